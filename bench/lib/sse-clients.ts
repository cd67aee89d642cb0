/**
 * Opens N Server-Sent Events connections and holds them (its own process, so the server's
 * memory is measured alone):  node bench/lib/sse-clients.ts <url> <n>
 * Prints OPEN <n> once every connection has its response headers; exits when stdin closes.
 */
import { request } from 'node:http';

const [url, n] = [process.argv[2], Number(process.argv[3])];
let open = 0;
let failed = 0;
for (let i = 0; i < n; i++) {
  const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode === 200) open++;
    else failed++;
    res.resume();
    if (open + failed === n) process.stdout.write(`OPEN ${open} FAILED ${failed}\n`);
  });
  req.on('error', () => {
    failed++;
    if (open + failed === n) process.stdout.write(`OPEN ${open} FAILED ${failed}\n`);
  });
  req.end();
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
