// Real sockets standing in for a sick Postgres or Redis: a proxy in front of the real service that
// the test can stall (bytes held both ways, connections kept open) and resume, and a silent server
// that accepts connections and never answers.
import net from "node:net";

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** From now on, nothing passes either way: bytes are held, as a frozen service holds them. */
  stall(): void;
  /**
   * A partition that resets: every open connection is closed and new ones are closed at once,
   * until resume() (or stall(), which turns it into a black hole).
   */
  drop(): void;
  /** Passes the held bytes on, and everything after them (and accepts connections again). */
  resume(): void;
  close(): Promise<void>;
}

/** A pair of sockets whose bytes pass only while the proxy is not stalled. */
class Link {
  private readonly held = new Map<net.Socket, Buffer[]>();

  constructor(
    private readonly client: net.Socket,
    private readonly server: net.Socket,
    private readonly stalled: () => boolean,
  ) {
    this.forward(client, server);
    this.forward(server, client);
    for (const s of [client, server]) {
      s.on("error", () => this.destroy());
      s.on("close", () => this.destroy());
    }
  }

  private forward(from: net.Socket, to: net.Socket): void {
    from.on("data", (chunk: Buffer) => {
      if (this.stalled()) this.held.set(to, [...(this.held.get(to) ?? []), chunk]);
      else to.write(chunk);
    });
  }

  flush(): void {
    for (const [to, chunks] of this.held) for (const chunk of chunks) to.write(chunk);
    this.held.clear();
  }

  destroy(): void {
    this.client.destroy();
    this.server.destroy();
  }
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let stalled = false;
  let dropped = false;
  const links = new Set<Link>();
  const server = net.createServer((client) => {
    if (dropped) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const link = new Link(client, upstream, () => stalled);
    links.add(link);
    client.on("close", () => links.delete(link));
  });
  const port = await listen(server);
  return {
    port,
    via: (url) => {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    stall: () => {
      dropped = false;
      stalled = true;
    },
    drop: () => {
      dropped = true;
      for (const link of links) link.destroy();
      links.clear();
    },
    resume: () => {
      dropped = false;
      stalled = false;
      for (const link of links) link.flush();
    },
    close: async () => {
      for (const link of links) link.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A server that accepts every connection and never sends a byte: a service frozen solid. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
}
