import type { Description, Receiver } from '../../pipeline/component.ts';
import type { OtlpGrpcReceiver } from './grpc-server.ts';
import type { OtlpReceiver } from './otlp-receiver.ts';

/**
 * One `otlp` receiver with the protocols its config names (`http`, `grpc`, or both), each its
 * own server: they start together, describe together and drain together. The gRPC server (and
 * grpc-js) loads when it starts: an application or collector serving HTTP alone never loads it.
 */
export class OtlpProtocols implements Receiver {
  readonly http: OtlpReceiver | undefined;
  readonly #loadGrpc: (() => Promise<OtlpGrpcReceiver>) | undefined;
  #grpc: OtlpGrpcReceiver | undefined;

  constructor(http: OtlpReceiver | undefined, loadGrpc: (() => Promise<OtlpGrpcReceiver>) | undefined) {
    this.http = http;
    this.#loadGrpc = loadGrpc;
  }

  /** The gRPC server, once started. */
  get grpc(): OtlpGrpcReceiver | undefined {
    return this.#grpc;
  }

  get #all(): Receiver[] {
    return [this.http, this.#grpc].filter((r): r is OtlpReceiver | OtlpGrpcReceiver => r !== undefined);
  }

  /** The HTTP address when HTTP is served, else the gRPC one (once started). */
  get address(): { address: string; port: number } | undefined {
    return (this.http ?? this.#grpc)?.address;
  }

  /** A protocol that cannot bind rejects; the service then shuts this receiver down, the other protocol with it. */
  async start(): Promise<void> {
    await this.http?.start();
    if (this.#loadGrpc) {
      this.#grpc ??= await this.#loadGrpc();
      await this.#grpc.start();
    }
  }

  describe(): Description {
    return { endpoints: this.#all.flatMap((r) => r.describe?.().endpoints ?? []) };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.#all.map((r) => r.shutdown()));
  }
}
