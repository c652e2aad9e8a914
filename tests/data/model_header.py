#!/usr/bin/python3
"""model_header.py - an independent reader of model-file headers for the tests.

Written from the format descriptions (ggml docs/gguf.md, the safetensors
README, llama2.c export.py), not from gpai's C code, so that the C readers
and gpai-fixture's writers are checked against a third party.  Run with
Debian's /usr/bin/python3 (numpy).

    model_header.py gguf FILE          JSON summary of a GGUF header
    model_header.py safetensors FILE   JSON summary of a safetensors header
    model_header.py same FILE A B      1 if tensors A and B are byte-identical
    model_header.py compare F1 A F2 B [HEADS]
                                       max |a - b| / max |a| of two tensors
                                       decoded to float64 (GGUF F32/F16/
                                       Q8_0/Q4_0, safetensors F32/F16/BF16);
                                       with HEADS, B is an HF q/k matrix and
                                       is permuted as convert_hf_to_gguf.py
                                       does before comparing

A malformed header prints {"error": "...", "offset": N}.
"""
import json
import struct
import sys

import numpy as np

# ggml type id: (name, elements per block, bytes per block), ggml.c type_traits.
GGML = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
        13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
        24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
        28: ("F64", 1, 8), 30: ("BF16", 1, 2)}
SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
          10: "<Q", 11: "<q", 12: "<d"}
ST_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
            "I8": 1, "U8": 1, "BOOL": 1, "U16": 2, "U32": 4, "U64": 8}


class Bad(Exception):
    def __init__(self, what, off):
        super().__init__(what)
        self.off = off


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, fmt):
        n = struct.calcsize(fmt)
        if self.o + n > len(self.d):
            raise Bad("truncated", self.o)
        v = struct.unpack_from(fmt, self.d, self.o)[0]
        self.o += n
        return v

    def string(self):
        at = self.o
        n = self.take("<Q")
        if n > len(self.d) - self.o:
            raise Bad("string length past end of file", at)
        s = self.d[self.o:self.o + n]
        self.o += n
        return s.decode("utf-8", "strict")

    def value(self, t):
        if t in SCALAR:
            return self.take(SCALAR[t])
        if t == 8:
            return self.string()
        if t == 9:
            et = self.take("<I")
            n = self.take("<Q")
            if n > len(self.d):
                raise Bad("array length past end of file", self.o - 8)
            return [self.value(et) for _ in range(n)]
        raise Bad("unknown value type %d" % t, self.o - 4)


def gguf(path):
    d = open(path, "rb").read()
    r = Reader(d)
    if d[:4] != b"GGUF":
        raise Bad("no magic", 0)
    r.o = 4
    version = r.take("<I")
    n_tensors = r.take("<Q")
    n_kv = r.take("<Q")
    kv = {}
    for _ in range(n_kv):
        at = r.o
        k = r.string()
        if k in kv:
            raise Bad("duplicate key", at)
        kv[k] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        nd = r.take("<I")
        ne = [r.take("<Q") for _ in range(nd)]
        t = r.take("<I")
        off = r.take("<Q")
        infos.append((name, ne, t, off))
    align = kv.get("general.alignment", 32)
    start = (r.o + align - 1) // align * align
    tensors, n_params, types = [], 0, []
    for name, ne, t, off in infos:
        tname, be, bb = GGML[t]
        n = int(np.prod(ne, dtype=np.uint64)) if ne else 1
        nbytes = n // be * bb
        if start + off + nbytes > len(d):
            raise Bad("tensor data past end of file", start + off)
        tensors.append({"name": name, "type": tname, "shape": list(reversed(ne)),
                        "offset": start + off, "nbytes": nbytes})
        n_params += n
        if tname not in types:
            types.append(tname)
    scalars = {k: v for k, v in kv.items() if not isinstance(v, list)}
    arrays = {k: len(v) for k, v in kv.items() if isinstance(v, list)}
    return {"format": "gguf", "version": version, "n_tensors": n_tensors,
            "n_kv": n_kv, "n_params": n_params, "dtypes": ",".join(types),
            "alignment": align, "data_start": start, "scalars": scalars,
            "arrays": arrays, "tensors": tensors}


def safetensors(path):
    d = open(path, "rb").read()
    n = struct.unpack_from("<Q", d, 0)[0]
    hdr = json.loads(d[8:8 + n].decode("utf-8"))
    tensors, n_params, types = [], 0, []
    for name, v in hdr.items():
        if name == "__metadata__":
            continue
        b, e = v["data_offsets"]
        cnt = int(np.prod(v["shape"], dtype=np.uint64)) if v["shape"] else 1
        if e - b != cnt * ST_BYTES[v["dtype"]]:
            raise Bad("size mismatch for " + name, 8)
        tensors.append({"name": name, "type": v["dtype"], "shape": v["shape"],
                        "offset": 8 + n + b, "nbytes": e - b})
        n_params += cnt
        if v["dtype"] not in types:
            types.append(v["dtype"])
    return {"format": "safetensors", "n_tensors": len(tensors), "n_params": n_params,
            "dtypes": ",".join(types), "header_len": n, "tensors": tensors,
            "metadata": hdr.get("__metadata__", {})}


def same(path, a, b):
    info = load(path)
    t = {x["name"]: x for x in info["tensors"]}
    d = np.memmap(path, dtype=np.uint8, mode="r")
    x = d[t[a]["offset"]:t[a]["offset"] + t[a]["nbytes"]]
    y = d[t[b]["offset"]:t[b]["offset"] + t[b]["nbytes"]]
    return {"same": int(len(x) == len(y) and np.array_equal(x, y))}


def load(path):
    return gguf(path) if open(path, "rb").read(4) == b"GGUF" else safetensors(path)


def decode(path, name):
    """Tensor `name` of `path` as float64, shape outermost first."""
    info = load(path)
    t = {x["name"]: x for x in info["tensors"]}[name]
    raw = np.fromfile(path, dtype=np.uint8, count=t["nbytes"], offset=t["offset"])
    ty = t["type"]
    if ty == "F32":
        v = raw.view("<f4").astype(np.float64)
    elif ty == "F16":
        v = raw.view("<f2").astype(np.float64)
    elif ty == "BF16":
        v = (raw.view("<u2").astype(np.uint32) << 16).view("<f4").astype(np.float64)
    elif ty == "Q8_0":
        blk = raw.reshape(-1, 34)
        d = blk[:, :2].copy().view("<f2").astype(np.float64)
        q = blk[:, 2:].view(np.int8).astype(np.float64)
        v = (q * d).reshape(-1)
    elif ty == "Q4_0":
        blk = raw.reshape(-1, 18)
        d = blk[:, :2].copy().view("<f2").astype(np.float64)
        qs = blk[:, 2:]
        lo = (qs & 0x0F).astype(np.float64) - 8
        hi = (qs >> 4).astype(np.float64) - 8
        v = (np.concatenate([lo, hi], axis=1) * d).reshape(-1)
    else:
        raise Bad("cannot decode " + ty, t["offset"])
    return v.reshape(t["shape"])


def hf_to_gguf(w, heads):
    """convert_hf_to_gguf.py LlamaModel.permute."""
    return (w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def compare(f1, a, f2, b, heads=None):
    x = decode(f1, a)
    y = decode(f2, b)
    if heads:
        y = hf_to_gguf(y, int(heads))
    if x.shape != y.shape:
        return {"error": "shapes differ: %s %s" % (x.shape, y.shape), "offset": -1}
    scale = float(np.max(np.abs(x))) or 1.0
    return {"rel": float(np.max(np.abs(x - y))) / scale}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    try:
        if kind == "gguf":
            out = gguf(path)
        elif kind == "safetensors":
            out = safetensors(path)
        elif kind == "compare":
            out = compare(path, sys.argv[3], sys.argv[4], sys.argv[5],
                          sys.argv[6] if len(sys.argv) > 6 else None)
        else:
            out = same(path, sys.argv[3], sys.argv[4])
    except Bad as e:
        out = {"error": str(e), "offset": e.off}
    except (UnicodeDecodeError, KeyError, ValueError, struct.error) as e:
        out = {"error": "%s: %s" % (type(e).__name__, e), "offset": -1}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
