// Whether a TCP port answers: the probe of `lifeboat info` for servers lifeboat reaches with their
// own client programs (MariaDB, Redis).
import net from 'node:net';

export function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    s.once('connect', () => (s.destroy(), resolve()));
    s.once('error', reject);
  });
}
