/**
 * The CodecProvider backed by src/codec (G.711, G.722, L16, opus and the native resampler). Kept
 * in its own module so the rest of media/ can be tested with fakes.
 */
import { createCodec, createResampler } from '../codec';
import type { CodecProvider } from './types';

export const defaultCodecs: CodecProvider = {
  createCodec: (desc) => createCodec(desc),
  createResampler: (fromRate, toRate) => createResampler(fromRate, toRate),
};
