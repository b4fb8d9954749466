// The MariaDB, Redis and S3 half of `lifeboat lab seed`: an application's data where lifeboat
// must find it. MariaDB: tables with rows (text in several scripts, binary, decimals, times), a
// trigger, a procedure, a function and an event. Redis: keys of every type, some with TTLs, in two
// databases. The `app-data` bucket: objects with content types and user metadata (two with the
// same bytes). Idempotent: what is already there is left as it is.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { runSync } from '../process.ts';
import type { ServiceState } from '../service.ts';
import { LAB_S3_CREDENTIALS } from '../services/s3.ts';
import { respConnect } from '../../engine/sources/redis/resp.ts';

const MARIADB_SEED = `
CREATE TABLE IF NOT EXISTS products (
  id INT PRIMARY KEY AUTO_INCREMENT, sku VARCHAR(32) NOT NULL UNIQUE, name VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL, stock INT NOT NULL DEFAULT 0, photo BLOB, added DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS stock_moves (
  id BIGINT PRIMARY KEY AUTO_INCREMENT, product_id INT NOT NULL, delta INT NOT NULL, note TEXT,
  FOREIGN KEY (product_id) REFERENCES products(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS daily_totals (day DATE PRIMARY KEY, moves INT NOT NULL) ENGINE=InnoDB;
CREATE TRIGGER IF NOT EXISTS stock_follows_moves AFTER INSERT ON stock_moves FOR EACH ROW
  UPDATE products SET stock = stock + NEW.delta WHERE id = NEW.product_id;
CREATE PROCEDURE IF NOT EXISTS add_move(IN p INT, IN d INT, IN why TEXT)
  INSERT INTO stock_moves (product_id, delta, note) VALUES (p, d, why);
CREATE FUNCTION IF NOT EXISTS stock_value() RETURNS DECIMAL(16,2) READS SQL DATA
  RETURN (SELECT coalesce(sum(price * stock), 0) FROM products);
CREATE EVENT IF NOT EXISTS roll_up_moves ON SCHEDULE EVERY 1 DAY STARTS '2036-01-01 00:00:00'
  DO REPLACE INTO daily_totals SELECT CURRENT_DATE, count(*) FROM stock_moves;
INSERT INTO products (sku, name, price, photo, added)
  SELECT concat('SKU-', lpad(seq, 4, '0')),
         concat(elt(1 + seq % 4, 'Kaffeebecher Größe L', 'ティーポット', 'Чайник', 'mug "classic"'), ' #', seq),
         round(seq * 1.37 + 0.99, 2), unhex(sha2(seq, 256)), '2026-11-01 08:00:00.125000' + INTERVAL seq MINUTE
  FROM seq_1_to_120 WHERE NOT EXISTS (SELECT 1 FROM products);
INSERT INTO stock_moves (product_id, delta, note)
  SELECT 1 + seq % 120, 1 + seq % 9, if(seq % 7 = 0, NULL, concat('delivery ', seq))
  FROM seq_1_to_400 WHERE NOT EXISTS (SELECT 1 FROM stock_moves);
`;

/** The objects of the seeded bucket: key, content type, user metadata, bytes. */
export function seedObjects(): { key: string; contentType: string; metadata: Record<string, string>; cacheControl?: string; body: Buffer }[] {
  // Deterministic "photo" bytes: the same on every machine, and two keys share them.
  const photo = Buffer.concat(Array.from({ length: 64 }, (_, i) => crypto.createHash('sha512').update(`photo-${i}`).digest()));
  return [
    { key: 'reports/2026-11.csv', contentType: 'text/csv', metadata: { author: 'finance', rows: '3' }, body: Buffer.from('day,orders\n2026-11-01,12\n2026-11-02,9\n2026-11-03,17\n') },
    { key: 'images/logo.svg', contentType: 'image/svg+xml', metadata: {}, cacheControl: 'max-age=86400', body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n') },
    { key: 'uploads/u1/photo.bin', contentType: 'application/octet-stream', metadata: { owner: 'u1', checksum: crypto.createHash('sha256').update(photo).digest('hex') }, body: photo },
    { key: 'uploads/u2/photo-copy.bin', contentType: 'application/octet-stream', metadata: { owner: 'u2' }, body: photo },
    { key: 'docs/notes with spaces.txt', contentType: 'text/plain; charset=utf-8', metadata: { lang: 'de' }, body: Buffer.from('Größe und Maße\n') },
  ];
}

export async function seedMariadb(mariadb: ServiceState): Promise<void> {
  const password = fs.readFileSync(mariadb.extra!.passwordFile!, 'utf8').trim();
  runSync('lab seed', 'mariadb', ['--no-defaults', '--default-character-set=utf8mb4', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(mariadb.port), '-u', mariadb.extra!.user!, mariadb.extra!.database!], {
    input: MARIADB_SEED,
    env: { ...process.env, MYSQL_PWD: password },
  });
}

export async function seedRedis(redis: ServiceState): Promise<void> {
  const client = await respConnect({ port: redis.port }, { password: fs.readFileSync(redis.extra!.passwordFile!, 'utf8').trim() });
  try {
    if ((await client.call('EXISTS', 'config:site')) === 1) return;
    await client.call('SET', 'config:site', JSON.stringify({ theme: 'dark', currency: 'EUR' }));
    await client.call('SET', 'counter:visits', 4242);
    await client.call('SET', 'blob:thumbnail', Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]));
    for (let i = 1; i <= 12; i++) await client.call('SET', `session:${i}`, `user-${i % 5}`, 'EX', 3600 + i * 60);
    for (let i = 1; i <= 5; i++) await client.call('HSET', `user:${i}`, 'name', `user ${i}`, 'email', `u${i}@shop.example`, 'visits', i * 3);
    await client.call('RPUSH', 'queue:emails', 'welcome:1', 'welcome:2', 'invoice:7');
    await client.call('SADD', 'tags:popular', 'mugs', 'teapots', 'kettles');
    await client.call('ZADD', 'leaderboard', 120, 'alice', 95, 'bob', 87.5, 'carol');
    await client.call('XADD', 'events', '*', 'type', 'signup', 'user', '3');
    await client.call('XADD', 'events', '*', 'type', 'order', 'user', '1', 'total', '19.90');
    await client.call('SET', 'promo:winter', 'WINTER26', 'PX', 86_400_000);
    await client.call('SELECT', 1);
    await client.call('SET', 'cache:home', '<html>home</html>', 'EX', 7200);
    await client.call('HSET', 'cache:stats', 'hits', 10, 'misses', 2);
  } finally {
    client.close();
  }
}

export async function seedBucket(s3: ServiceState, bucket = 'app-data'): Promise<void> {
  const s = await import('@aws-sdk/client-s3');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new s.S3Client({ endpoint: s3.address, forcePathStyle: true, region: 'us-east-1', credentials: LAB_S3_CREDENTIALS });
  try {
    for (const o of seedObjects()) {
      const there = await client.send(new s.HeadObjectCommand({ Bucket: bucket, Key: o.key })).then(() => true, () => false);
      if (there) continue;
      await client.send(new s.PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body, ContentType: o.contentType, Metadata: o.metadata, CacheControl: o.cacheControl }));
    }
  } finally {
    client.destroy();
  }
}

/** Seeds whichever of MariaDB, Redis and S3 the lab runs; returns what it seeded. */
export async function seedDataStores(services: Record<string, ServiceState>): Promise<string[]> {
  const done: string[] = [];
  if (services.mariadb) {
    await seedMariadb(services.mariadb);
    done.push('MariaDB lab (products, stock_moves, a trigger, a procedure, a function, an event)');
  }
  if (services.redis) {
    await seedRedis(services.redis);
    done.push('Redis (strings, hashes, a list, a set, a sorted set, a stream; TTLs; databases 0 and 1)');
  }
  if (services.s3) {
    await seedBucket(services.s3);
    done.push(`bucket app-data (${seedObjects().length} objects)`);
  }
  return done;
}
