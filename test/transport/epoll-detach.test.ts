// The native backend takes its socket out of the event loop's epoll set while it reads, so that
// a sender does not run epoll's wake-up callback for every datagram queued meanwhile, and puts
// it back before the loop waits again. Read off /proc/self/fdinfo of the process's epoll
// descriptors: which socket descriptors each one watches.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { nativeAddonStatus } from '../../src/transport/native-addon.js';
import { NativeDatagramSocket } from '../../src/transport/native-socket.js';

const native = nativeAddonStatus();
const skip =
  native.addon === null ? (native.reason ?? 'native addon unavailable') : process.platform !== 'linux' ? 'no /proc/self/fdinfo' : false;

/** True when some epoll descriptor of this process watches `fd`. */
function watchedByEpoll(fd: number): boolean {
  for (const entry of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // closed meanwhile (the readdir's own descriptor)
    }
    if (target !== 'anon_inode:[eventpoll]') continue;
    const info = readFileSync(`/proc/self/fdinfo/${entry}`, 'utf8');
    if (new RegExp(`^tfd:\\s+${fd}\\s`, 'm').test(info)) return true;
  }
  return false;
}

/** Resolves in the event loop's next check phase (setImmediate). */
const checkPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves once the event loop has been through a poll phase, where libuv adds (or puts back)
 * the descriptors it was asked to watch. The first check phase may be the current turn's (when
 * this runs from an I/O callback); the second is a turn later, after its poll phase.
 */
async function afterPollPhase(): Promise<void> {
  await checkPhase();
  await checkPhase();
}

test('a native socket is out of the epoll set while its receive callback runs, and back in after', { skip, timeout: 10_000 }, async () => {
  const socket = NativeDatagramSocket.open(native.addon!, {
    bindAddress: '127.0.0.1',
    port: 0,
    receiveBufferSize: 256 * 1024,
    sendBufferSize: 256 * 1024,
  });
  const sender = dgram.createSocket('udp4');
  try {
    const fd = socket.fd();
    await afterPollPhase();
    assert.ok(watchedByEpoll(fd), 'watched while idle');
    const during = await new Promise<boolean>((resolve) => {
      socket.onReceive = (batch) => {
        if (batch.count > 0) resolve(watchedByEpoll(fd));
      };
      sender.send(new Uint8Array(8), socket.localPort(), '127.0.0.1');
    });
    assert.equal(during, false, 'not watched while reading');
    await afterPollPhase();
    assert.ok(watchedByEpoll(fd), 'watched again after the callback');
    // And it still reads.
    const again = await new Promise<number>((resolve) => {
      socket.onReceive = (batch) => {
        if (batch.count > 0) resolve(batch.count);
      };
      sender.send(new Uint8Array(8), socket.localPort(), '127.0.0.1');
    });
    assert.equal(again, 1);
  } finally {
    sender.close();
    socket.close();
  }
});
