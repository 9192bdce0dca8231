// One samsa process for a test: its own temp data directory, ephemeral Kafka and HTTP
// ports (read back from the start-up log line), killed and removed by stop().
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const START_TIMEOUT_MS = 20_000;

export async function startBroker({ overrides = {} } = {}) {
  const binary = process.env.SAMSA_BINARY;
  if (!binary) throw new Error('SAMSA_BINARY is not set (ctest sets it; or export it to build/samsa)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-console-'));
  const logPath = path.join(dir, 'broker.log');
  const settings = {
    'log.dirs': path.join(dir, 'data'),
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'samsa.http.listener': '127.0.0.1:0',
    'group.initial.rebalance.delay.ms': '0',
    ...overrides,
  };
  const args = ['serve', ...Object.entries(settings).flatMap(([k, v]) => ['-o', `${k}=${v}`])];
  // setpriv --pdeathsig: the broker dies with this worker even if the runner is killed.
  const useSetpriv = fs.existsSync('/usr/bin/setpriv');
  const cmd = useSetpriv ? '/usr/bin/setpriv' : binary;
  const cmdArgs = useSetpriv ? ['--pdeathsig', 'KILL', binary, ...args] : args;
  const log = fs.openSync(logPath, 'a');
  const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let exited = null;
  const onData = (chunk) => {
    text += chunk.toString();
    fs.writeSync(log, chunk);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.on('exit', (code, signal) => { exited = { code, signal }; });

  const started = Date.now();
  let kafkaPort = null;
  let httpUrl = null;
  while (Date.now() - started < START_TIMEOUT_MS) {
    const k = text.match(/listening on PLAINTEXT:\/\/[^:\s]+:(\d+)/);
    const hm = text.match(/(http:\/\/[0-9.]+:\d+)/);
    if (k) kafkaPort = Number(k[1]);
    if (hm) httpUrl = hm[1];
    if (kafkaPort && httpUrl) break;
    if (exited) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const broker = {
    dir,
    logPath,
    proc,
    bootstrap: `127.0.0.1:${kafkaPort}`,
    url: httpUrl,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      if (!exited) {
        proc.kill('SIGKILL');
        await new Promise((r) => (exited ? r() : proc.once('exit', r)));
      }
      fs.closeSync(log);
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (!kafkaPort || !httpUrl) {
    await broker.stop();
    const why = exited ? `exited (${exited.code ?? exited.signal})` : `printed no Kafka and HTTP address in ${START_TIMEOUT_MS} ms`;
    const out = broker.log();
    broker.cleanup();
    throw new Error(`samsa ${why}:\n${out}`);
  }
  return broker;
}
