// npm scripts run on the Node the project brings (the `node` devDependency); say which one.
const major = Number(process.versions.node.split('.')[0]);
console.log(`node --version: ${process.version}`);
if (major < 24) {
  console.error(`unitrack's scripts need Node 24 (got ${process.version}); run them through npm so the bundled Node is used.`);
  process.exit(1);
}
