import { COMMAND_FLAG_ACKNOWLEDGE, Command, HOST_BANDWIDTH_THROTTLE_INTERVAL, PEER_PACKET_THROTTLE_SCALE } from '../protocol/constants.js';
import { timeDifference } from '../protocol/time.js';
import type { Host } from './host.js';
import type { Peer } from './peer.js';
import { putU32BE } from '../protocol/big-endian.js';

/**
 * The host bandwidth throttle (enet_host_bandwidth_throttle), run about once a second: shares
 * the host's outgoing bandwidth among peers through their packet-throttle limits and tells each
 * peer, with BANDWIDTH_LIMIT, how much it may send us.
 */
export function bandwidthThrottle(host: Host): void {
  const timeCurrent = host.serviceTime;
  const elapsedTime = timeDifference(timeCurrent, host.bandwidthThrottleEpoch);
  if (elapsedTime < HOST_BANDWIDTH_THROTTLE_INTERVAL) return;
  host.bandwidthThrottleEpoch = timeCurrent;
  let peersRemaining = host.connectedPeers;
  if (peersRemaining === 0) return;
  const connected = (p: Peer) => p.isConnectedState();
  let dataTotal = 0xffffffff;
  let bandwidth = 0xffffffff;
  let needsAdjustment = host.bandwidthLimitedPeers > 0;
  let throttle = 0;
  if (host.outgoingBandwidth !== 0) {
    dataTotal = 0;
    bandwidth = Math.floor((host.outgoingBandwidth * elapsedTime) / 1000);
    for (const p of host.active) if (connected(p)) dataTotal += p.outgoingDataTotal;
  }
  while (peersRemaining > 0 && needsAdjustment) {
    needsAdjustment = false;
    throttle = dataTotal <= bandwidth ? PEER_PACKET_THROTTLE_SCALE : Math.floor((bandwidth * PEER_PACKET_THROTTLE_SCALE) / dataTotal);
    for (const p of host.active) {
      if (!connected(p) || p.incomingBandwidth === 0 || p.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
      const peerBandwidth = Math.floor((p.incomingBandwidth * elapsedTime) / 1000);
      if (Math.floor((throttle * p.outgoingDataTotal) / PEER_PACKET_THROTTLE_SCALE) <= peerBandwidth) continue;
      p.packetThrottleLimit = Math.max(Math.floor((peerBandwidth * PEER_PACKET_THROTTLE_SCALE) / Math.max(p.outgoingDataTotal, 1)), 1);
      if (p.packetThrottle > p.packetThrottleLimit) p.packetThrottle = p.packetThrottleLimit;
      p.outgoingBandwidthThrottleEpoch = timeCurrent;
      p.incomingDataTotal = 0;
      p.outgoingDataTotal = 0;
      needsAdjustment = true;
      peersRemaining--;
      bandwidth -= peerBandwidth;
      dataTotal -= peerBandwidth;
    }
  }
  if (peersRemaining > 0) {
    throttle = dataTotal <= bandwidth ? PEER_PACKET_THROTTLE_SCALE : Math.floor((bandwidth * PEER_PACKET_THROTTLE_SCALE) / dataTotal);
    for (const p of host.active) {
      if (!connected(p) || p.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
      p.packetThrottleLimit = throttle;
      if (p.packetThrottle > p.packetThrottleLimit) p.packetThrottle = p.packetThrottleLimit;
      p.incomingDataTotal = 0;
      p.outgoingDataTotal = 0;
    }
  }
  if (host.recalculateBandwidthLimits) {
    host.recalculateBandwidthLimits = false;
    peersRemaining = host.connectedPeers;
    bandwidth = host.incomingBandwidth;
    let needsAdjust = true;
    let bandwidthLimit = 0;
    if (bandwidth !== 0) {
      while (peersRemaining > 0 && needsAdjust) {
        needsAdjust = false;
        bandwidthLimit = Math.floor(bandwidth / peersRemaining);
        for (const p of host.active) {
          if (!connected(p) || p.incomingBandwidthThrottleEpoch === timeCurrent) continue;
          if (p.outgoingBandwidth > 0 && p.outgoingBandwidth >= bandwidthLimit) continue;
          p.incomingBandwidthThrottleEpoch = timeCurrent;
          needsAdjust = true;
          peersRemaining--;
          bandwidth -= p.outgoingBandwidth;
        }
      }
    }
    for (const p of host.active) {
      if (!connected(p)) continue;
      const body = new Uint8Array(8);
      putU32BE(body, 0, p.incomingBandwidthThrottleEpoch === timeCurrent ? p.outgoingBandwidth : bandwidthLimit);
      putU32BE(body, 4, host.outgoingBandwidth);
      p.queueSystemCommand(Command.BANDWIDTH_LIMIT | COMMAND_FLAG_ACKNOWLEDGE, body);
    }
  }
}
