/**
 * The media plane's public door: RTP sessions, port allocation, relay and transcoding bridges,
 * RFC 4733 DTMF, echo / playback / capture helpers.
 */
export { PortAllocator, type PortAllocatorOptions, type PortPair } from './port-allocator';
export { RtpSession, type RtpSessionOptions, type RtpSessionEvents, type RemoteMedia } from './rtp-session';
export { MediaBridge, chooseBridgeMode, sameCodec, type BridgeMode, type MediaBridgeOptions, type MediaBridgeStats } from './media-bridge';
export { startEcho, LegPlayer, LegCapture, type EchoHandle, type L16Source, type LegCaptureOptions } from './leg-audio';
export { DEFAULT_LATCHING, isPrivateAddress, type ForeignIpPolicy, type LatchingPolicy, type LatchMode, type TransportAddress } from './latching';
export { DEFAULT_JITTER, type JitterBufferOptions } from './jitter-buffer';
export { dtmfCode, dtmfDigit, type DtmfEvent } from './dtmf';
export {
  PacketKind,
  type CodecProvider,
  type InboundStats,
  type LegMedia,
  type MediaDirection,
  type OutboundStats,
  type PacketSink,
  type Resampler,
  type RtpSessionStats,
} from './types';
export { defaultCodecs } from './default-codecs';
