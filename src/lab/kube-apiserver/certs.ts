/** The lab CA and the API server's serving certificate, made with openssl (reused when present). */
import fs from 'node:fs';
import path from 'node:path';
import { runSync } from '../process.ts';

export interface Certificates {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes (or reuses) ca.crt/ca.key and apiserver.crt/apiserver.key in `dir`; returns their paths. */
export function makeCertificates(dir: string, hosts: string[] = ['127.0.0.1', 'localhost']): Certificates {
  fs.mkdirSync(dir, { recursive: true });
  const p = (f: string) => path.join(dir, f);
  const certs: Certificates = { caCert: p('ca.crt'), caKey: p('ca.key'), cert: p('apiserver.crt'), key: p('apiserver.key') };
  const service = 'kube-apiserver';
  if (!fs.existsSync(certs.caCert) || !fs.existsSync(certs.caKey)) {
    runSync(service, 'openssl', [
      'req', '-x509', ...EC, '-keyout', certs.caKey, '-out', certs.caCert, '-days', '3650', '-subj', '/CN=lifeboat-lab-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    fs.rmSync(certs.cert, { force: true });
  }
  if (!fs.existsSync(certs.cert) || !fs.existsSync(certs.key)) {
    const csr = p('apiserver.csr');
    const ext = p('apiserver.ext');
    const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).concat(['DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc']);
    fs.writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san.join(',')}\n`);
    runSync(service, 'openssl', ['req', '-new', ...EC, '-keyout', certs.key, '-out', csr, '-subj', '/CN=kube-apiserver']);
    runSync(service, 'openssl', ['x509', '-req', '-in', csr, '-CA', certs.caCert, '-CAkey', certs.caKey, '-CAcreateserial', '-out', certs.cert, '-days', '3650', '-extfile', ext]);
    fs.rmSync(csr, { force: true });
  }
  return certs;
}
