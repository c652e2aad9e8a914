#!/usr/bin/python3
"""llama2c_export.py - writes a llama2.c version 2 checkpoint (grouped Q8,
read by runq.c) from a float32 checkpoint (version 1, or the legacy version
0 with or without its freq_cis tables), with the algorithm of llama2.c's
export.py version2_export, in numpy, for the engine tests:

    llama2c_export.py IN V2_OUT [GROUP_SIZE]

Header: uint32 magic 0x616b3432, int32 version 2, 7 int32 config, uint8
shared_classifier, int32 group size (byte 37), zeros to 256 bytes.  Then
float32 rms_att (all layers), rms_ffn (all layers), rms_final; then for each
of token embedding, wq, wk, wv, wo, w1, w2, w3 (each for all layers) and
the classifier when not shared: int8 q[n] followed by float32 scale[n/GS].
Quantization (export.py quantize_q80): in float32, per group of GS
consecutive elements, scale = max|w| / 127, q = round(w / scale) with
round half to even (torch.round).  GROUP_SIZE defaults to export.py's: 64,
halved until it divides dim.
"""
import struct
import sys

import numpy as np

MAGIC = 0x616b3432
HEADER = 256


def quantize_q80(w, gs):
    w = w.astype(np.float32).reshape(-1, gs)
    wmax = np.abs(w).max(axis=1)
    scale = (wmax / np.float32(127.0)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        quant = w / scale[:, None]
    quant = np.where(scale[:, None] == 0, 0, quant)
    return np.round(quant).astype(np.int8), scale


def main():
    src, dst = sys.argv[1], sys.argv[2]
    d = open(src, "rb").read()
    magic, version = struct.unpack_from("<Ii", d, 0)
    if magic == MAGIC and version == 1:
        cfg = struct.unpack_from("<7i", d, 8)
        shared = d[36]
    elif magic == MAGIC:
        raise SystemExit("llama2c_export: %s: version %d is not 0 or 1" % (src, version))
    else:
        cfg = struct.unpack_from("<7i", d, 0)
        shared = 1 if cfg[5] > 0 else 0
        cfg = cfg[:5] + (abs(cfg[5]),) + cfg[6:]
    dim, hid, nl, nh, nkv, vocab, seq = cfg
    gs = 64
    while dim % gs:
        gs //= 2
    if len(sys.argv) > 3:
        gs = int(sys.argv[3])
    kv = dim * nkv // nh
    sizes = [vocab * dim] + [dim * dim] * nl + [kv * dim] * nl * 2 + [dim * dim] * nl + \
            [hid * dim] * nl * 3 + ([] if shared else [vocab * dim])
    if magic == MAGIC:
        x = np.frombuffer(d, dtype="<f4", offset=HEADER)
        n_norms = 2 * nl * dim + dim
        norms, rest = x[:n_norms], x[n_norms:]
    else:
        # v0: embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3,
        # rms_final, [freq_cis_real, freq_cis_imag], [classifier]
        x = np.frombuffer(d, dtype="<f4", offset=28)
        L = nl * dim
        e, a = vocab * dim, nl * (2 * dim * dim + 2 * kv * dim)
        f = nl * 3 * hid * dim
        at_ffn = e + L + a
        norms = np.concatenate([x[e:e + L], x[at_ffn:at_ffn + L],
                                x[at_ffn + L + f:at_ffn + L + f + dim]])
        rest = np.concatenate([x[:e], x[e + L:e + L + a], x[at_ffn + L:at_ffn + L + f]] +
                              ([] if shared else [x[len(x) - vocab * dim:]]))
        freq = seq * (dim // nh)
        if len(x) not in (at_ffn + L + f + dim + (0 if shared else vocab * dim),
                          at_ffn + L + f + dim + freq + (0 if shared else vocab * dim)):
            raise SystemExit("llama2c_export: %s: size does not match its config" % src)
    if sum(sizes) != len(rest):
        raise SystemExit("llama2c_export: %s: size does not match its config" % src)
    out = bytearray(struct.pack("<Ii7iBi", MAGIC, 2, *cfg, shared, gs))
    out += bytes(HEADER - len(out))
    out += norms.astype("<f4").tobytes()
    at = 0
    for n in sizes:
        q, s = quantize_q80(rest[at:at + n], gs)
        out += q.tobytes() + s.astype("<f4").tobytes()
        at += n
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
