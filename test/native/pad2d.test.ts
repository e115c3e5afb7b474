// ZeroPadding2D, Cropping2D and UpSampling2D (nearest) through the binding on every host backend:
// index-map references, accumulation in backward, Keras's forms of the padding argument, and
// central finite differences of f = Σ out·r.
//
// Tolerances: forward ops copy floats, so they are exact; backward adds one float (pad, crop) or
// sums ≤ 6 copies (upsample), checked at atol 1e-6. Finite differences: f is linear, h = 1e-2,
// atol 1e-3 (f rounds at ≈ 1e-6·Σ|out·r| ≤ 1e-5, over 2h).
import { describe, expect, it } from 'vitest';
import { crop2dBackward, crop2dForward, upsample2dBackward, upsample2dForward, zeroPad2dBackward, zeroPad2dForward } from '../../src/nativeLayers.js';
import { dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

const B = 2, H = 3, W = 4, C = 3;
const top = 1, bottom = 2, left = 0, right = 3, PH = H + top + bottom, PW = W + left + right;

/** For each element of the (B,PH,PW,C) padded tensor, the index in the (B,H,W,C) one, or -1. */
function interior(): Int32Array {
  const map = new Int32Array(B * PH * PW * C).fill(-1);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) map[((b * PH + h + top) * PW + w + left) * C + c] = ((b * H + h) * W + w) * C + c;
  return map;
}

describe.each(hostBackends)('pad, crop and upsample on $name', ({ index }) => {
  const map = interior();
  const small = rand(B * H * W * C, 81), big = rand(B * PH * PW * C, 82);
  const padding = [[top, bottom], [left, right]] as const;

  it('zero padding places the input in the interior of zeros; backward takes the interior', () => {
    const out = zeroPad2dForward({ batch: B, height: H, width: W, channels: C, inp: small, padding, out: new Float32Array(big.length).fill(NaN), backend: index });
    expectClose(out, Array.from(map, (i) => (i < 0 ? 0 : small[i])), 0, 0, 'pad forward');
    const dinp0 = rand(small.length, 83), want = Float64Array.from(dinp0);
    map.forEach((i, j) => { if (i >= 0) want[i] += big[j]; });
    expectClose(zeroPad2dBackward({ batch: B, height: H, width: W, channels: C, dout: big, padding, dinp: dinp0.slice(), backend: index }),
      want, 1e-6, 0, 'pad backward');
  });

  it('cropping takes the interior; backward adds into it', () => {
    const out = crop2dForward({ batch: B, height: PH, width: PW, channels: C, inp: big, cropping: padding, backend: index });
    const want = new Float64Array(small.length);
    map.forEach((i, j) => { if (i >= 0) want[i] = big[j]; });
    expectClose(out, want, 0, 0, 'crop forward');
    const dinp0 = rand(big.length, 84);
    const wantD = Float64Array.from(dinp0, (v, j) => (map[j] >= 0 ? v + small[map[j]] : v));
    expectClose(crop2dBackward({ batch: B, height: PH, width: PW, channels: C, dout: small, cropping: padding, dinp: dinp0.slice(), backend: index }),
      wantD, 1e-6, 0, 'crop backward');
  });

  it('accepts the Keras forms of padding: one number and [height, width]', () => {
    const one = zeroPad2dForward({ batch: 1, height: 1, width: 1, channels: 1, inp: new Float32Array([5]), backend: index });
    expect(Array.from(one)).toEqual([0, 0, 0, 0, 5, 0, 0, 0, 0]); // default padding 1
    const hw = zeroPad2dForward({ batch: 1, height: 1, width: 1, channels: 1, inp: new Float32Array([5]), padding: [0, 1], backend: index });
    expect(Array.from(hw)).toEqual([0, 5, 0]);
    const cropped = crop2dForward({ batch: 1, height: 3, width: 3, channels: 1, inp: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]), cropping: 1, backend: index });
    expect(Array.from(cropped)).toEqual([4]);
  });

  it('nearest upsampling repeats pixels; backward sums the copies', () => {
    const [sh, sw] = [2, 3], sizes = { batch: B, height: H, width: W, channels: C, size: [sh, sw] as [number, number], backend: index };
    const src = (j: number) => {
      const c = j % C, w = Math.floor(j / C) % (W * sw), h = Math.floor(j / (C * W * sw)) % (H * sh), b = Math.floor(j / (C * W * sw * H * sh));
      return ((b * H + Math.floor(h / sh)) * W + Math.floor(w / sw)) * C + c;
    };
    const out = upsample2dForward({ ...sizes, inp: small });
    expectClose(out, Array.from(out, (_, j) => small[src(j)]), 0, 0, 'upsample forward');
    const dout = rand(out.length, 85), want = new Float64Array(small.length);
    dout.forEach((g, j) => { want[src(j)] += g; });
    expectClose(upsample2dBackward({ ...sizes, dout }), want, 1e-6, 0, 'upsample backward');
    expect(upsample2dForward({ batch: 1, height: 1, width: 2, channels: 1, inp: new Float32Array([1, 2]), backend: index }))
      .toEqual(new Float32Array([1, 1, 2, 2, 1, 1, 2, 2])); // default size 2
  });

  it('backward passes agree with finite differences of the forward kernels', () => {
    const s = small.slice(), b = big.slice(), rBig = rand(big.length, 86), rSmall = rand(small.length, 87);
    const padArgs = { batch: B, height: H, width: W, channels: C, padding, backend: index };
    const fPad = () => dot(zeroPad2dForward({ ...padArgs, inp: s }), rBig);
    expectClose(zeroPad2dBackward({ ...padArgs, dout: rBig }), finiteDiff(s, 1e-2, fPad), 1e-3, 0, 'pad vs FD');
    const cropArgs = { batch: B, height: PH, width: PW, channels: C, cropping: padding, backend: index };
    const fCrop = () => dot(crop2dForward({ ...cropArgs, inp: b }), rSmall);
    expectClose(crop2dBackward({ ...cropArgs, dout: rSmall }), finiteDiff(b, 1e-2, fCrop), 1e-3, 0, 'crop vs FD');
    const upArgs = { batch: B, height: H, width: W, channels: C, size: 2, backend: index };
    const rUp = rand(B * H * 2 * W * 2 * C, 88);
    const fUp = () => dot(upsample2dForward({ ...upArgs, inp: s }), rUp);
    expectClose(upsample2dBackward({ ...upArgs, dout: rUp }), finiteDiff(s, 1e-2, fUp), 1e-3, 0, 'upsample vs FD');
  });
});
