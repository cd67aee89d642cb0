import type { Description, Receiver } from '../../pipeline/component.ts';
import type { OtlpGrpcReceiver } from './grpc-server.ts';
import type { OtlpReceiver } from './otlp-receiver.ts';

/**
 * One `otlp` receiver with the protocols its config names (`http`, `grpc`, or both), each its
 * own server: they start together, describe together and drain together.
 */
export class OtlpProtocols implements Receiver {
  readonly http: OtlpReceiver | undefined;
  readonly grpc: OtlpGrpcReceiver | undefined;
  readonly #all: Receiver[];

  constructor(http: OtlpReceiver | undefined, grpc: OtlpGrpcReceiver | undefined) {
    this.http = http;
    this.grpc = grpc;
    this.#all = [http, grpc].filter((r): r is OtlpReceiver | OtlpGrpcReceiver => r !== undefined);
  }

  /** The HTTP address when HTTP is served, else the gRPC one. */
  get address(): { address: string; port: number } | undefined {
    return (this.http ?? this.grpc)?.address;
  }

  /** A protocol that cannot bind rejects; the service then shuts this receiver down, the other protocol with it. */
  async start(): Promise<void> {
    for (const r of this.#all) await r.start();
  }

  describe(): Description {
    return { endpoints: this.#all.flatMap((r) => r.describe?.().endpoints ?? []) };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.#all.map((r) => r.shutdown()));
  }
}
