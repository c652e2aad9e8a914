#!/usr/bin/python3
"""llama_ref.py - an independent float64 forward pass (numpy) for the engine
tests, written from the semantics in docs/inference.md, not from the C code.

    llama_ref.py MODEL TOKENS LOGITS TOL
    llama_ref.py --greedy MODEL GPAI_TOKENS MARGIN MIN_STEPS
    llama_ref.py --choice MODEL DATA.jsonl GPAI.json TOL

MODEL is a GGUF file (F32/F16/BF16/Q8_0/Q4_0 tensors, dequantized here), a
llama2.c checkpoint (v0, v1 float32; v2 grouped int8, dequantized here as
q * scale[i / GS]) or an HF directory (config.json + model.safetensors,
F32/F16/BF16); Llama or GPT-2.  TOKENS is a space-separated id list; LOGITS
a float32 file of len(TOKENS) x vocab logits from gpai.  Prints the largest
absolute difference relative to the largest reference logit and exits 0
when it is at most TOL.

--greedy: GPAI_TOKENS is what gpai generated greedily after BOS (id 1).  The
reference generates greedily too (argmax, lowest id on ties, stop on BOS)
and the two must agree at every step up to the first one whose reference
top-2 margin is below MARGIN times the largest |logit| (there the float32
engine may legitimately pick the other token); at least MIN_STEPS steps
must be compared.

--choice re-scores a multiple-choice JSONL file (docs/eval.md) on a GGUF
Llama with its own SentencePiece encoder (llama.cpp's SPM rules, written
here from the tokenizer.ggml.* metadata) and lm-evaluation-harness's
_encode_pair, and compares with `gpai --json eval run --task choice`
(GPAI.json): the token ids must be equal, every summed log-likelihood within
TOL nats, and pred, pred_norm, accuracy and acc_norm equal to the ones the
reference's log-likelihoods give.

Conventions: GGUF Llama q/k rows are in adjacent-pair RoPE order; HF Llama
q/k rows are in rotate-half order (HF modeling_llama rotate_half).  GPT-2
GGUF stores [out][in] with a fused attn_qkv; HF GPT-2 Conv1D stores [in][out].
"""
import json
import os
import struct
import sys

import numpy as np

QK = 32


# ---- readers -------------------------------------------------------------------

def f16(b):
    return np.frombuffer(b, dtype="<f2").astype(np.float64)


def read_gguf(path):
    d = open(path, "rb").read()
    p = [0]

    def u32():
        v = struct.unpack_from("<I", d, p[0])[0]
        p[0] += 4
        return v

    def u64():
        v = struct.unpack_from("<Q", d, p[0])[0]
        p[0] += 8
        return v

    def gstr():
        n = u64()
        s = d[p[0]:p[0] + n].decode("utf-8", "replace")
        p[0] += n
        return s

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    fmts = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B",
            10: "<Q", 11: "<q", 12: "<d"}

    def value(t):
        if t == 8:
            return gstr()
        if t == 9:
            et, n = u32(), u64()
            return [value(et) for _ in range(n)]
        v = struct.unpack_from(fmts[t], d, p[0])[0]
        p[0] += sizes[t]
        return v

    assert d[:4] == b"GGUF"
    p[0] = 8
    nt, nkv = u64(), u64()
    meta = {}
    for _ in range(nkv):
        k = gstr()
        meta[k] = value(u32())
    infos = []
    for _ in range(nt):
        name = gstr()
        nd = u32()
        ne = [u64() for _ in range(nd)]
        infos.append((name, ne, u32(), u64()))
    align = meta.get("general.alignment", 32)
    base = (p[0] + align - 1) // align * align
    w = {}
    for name, ne, t, off in infos:
        n = int(np.prod(ne))
        raw = d[base + off:]
        if t == 0:
            x = np.frombuffer(raw[:4 * n], dtype="<f4").astype(np.float64)
        elif t == 1:
            x = f16(raw[:2 * n])
        elif t == 30:  # BF16: the top half of a float32
            x = (np.frombuffer(raw[:2 * n], dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            x = x.astype(np.float64)
        elif t == 8:   # Q8_0: fp16 d, int8 q[32]
            nb = n // QK
            blk = np.frombuffer(raw[:nb * 34], dtype=np.uint8).reshape(nb, 34)
            dd = f16(blk[:, :2].tobytes())
            q = blk[:, 2:].view(np.int8).astype(np.float64)
            x = (q * dd[:, None]).reshape(-1)
        elif t == 2:   # Q4_0: fp16 d, 16 bytes; low nibbles first half
            nb = n // QK
            blk = np.frombuffer(raw[:nb * 18], dtype=np.uint8).reshape(nb, 18)
            dd = f16(blk[:, :2].tobytes())
            lo = (blk[:, 2:] & 15).astype(np.float64) - 8
            hi = (blk[:, 2:] >> 4).astype(np.float64) - 8
            x = (np.concatenate([lo, hi], axis=1) * dd[:, None]).reshape(-1)
        else:
            raise SystemExit("llama_ref: tensor type %d not handled" % t)
        w[name] = x.reshape(list(reversed(ne))) if len(ne) > 1 else x
    return meta, w


def read_safetensors_dir(path):
    cfg = json.load(open(os.path.join(path, "config.json")))
    d = open(os.path.join(path, "model.safetensors"), "rb").read()
    n = struct.unpack_from("<Q", d, 0)[0]
    hdr = json.loads(d[8:8 + n])
    base = 8 + n
    w = {}
    for name, info in hdr.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = d[base + a:base + b]
        if info["dtype"] == "F32":
            x = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        elif info["dtype"] == "F16":
            x = f16(raw)
        elif info["dtype"] == "BF16":
            x = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            x = x.astype(np.float64)
        else:
            raise SystemExit("llama_ref: dtype %s not handled" % info["dtype"])
        w[name] = x.reshape(info["shape"])
    return cfg, w


L2C_MAGIC = 0x616b3432


def read_llama2c(path):
    """llama2.c .bin: v0 (28-byte header, vocab < 0 = unshared classifier),
    v1/v2 (256-byte header); layouts as in docs/model-files.md."""
    d = open(path, "rb").read()
    p = [0]
    if struct.unpack_from("<I", d, 0)[0] == L2C_MAGIC:
        version = struct.unpack_from("<i", d, 4)[0]
        cfg = struct.unpack_from("<7i", d, 8)
        shared = d[36] == 1
        gs = struct.unpack_from("<i", d, 37)[0] if version == 2 else 0
        p[0] = 256
    else:
        version, gs = 0, 0
        cfg = struct.unpack_from("<7i", d, 0)
        shared = cfg[5] > 0
        p[0] = 28
    dim, hid, nl, nh, nkv, vocab, _seq = cfg
    vocab = abs(vocab)
    kv = dim * nkv // nh

    def f32(*shape):
        n = int(np.prod(shape))
        x = np.frombuffer(d, dtype="<f4", count=n, offset=p[0]).astype(np.float64)
        p[0] += 4 * n
        return x.reshape(shape)

    def q8(*shape):
        n = int(np.prod(shape))
        q = np.frombuffer(d, dtype=np.int8, count=n, offset=p[0]).astype(np.float64)
        s = np.frombuffer(d, dtype="<f4", count=n // gs, offset=p[0] + n).astype(np.float64)
        p[0] += n + 4 * (n // gs)
        return (q.reshape(-1, gs) * s[:, None]).reshape(shape)

    mat = q8 if version == 2 else f32
    shapes = {"wq": (dim, dim), "wk": (kv, dim), "wv": (kv, dim), "wo": (dim, dim),
              "w1": (hid, dim), "w2": (dim, hid), "w3": (hid, dim)}
    L = [dict() for _ in range(nl)]

    def per_layer(name, read, *shape):
        for l in range(nl):
            L[l][name] = read(*shape)

    if version == 0:
        embed = f32(vocab, dim)
        per_layer("attn_norm", f32, dim)
        for k in ("wq", "wk", "wv", "wo"):
            per_layer(k, f32, *shapes[k])
        per_layer("ffn_norm", f32, dim)
        for k in ("w1", "w2", "w3"):
            per_layer(k, f32, *shapes[k])
        out_norm = f32(dim)
        # freq_cis may follow; the classifier, if any, is the last V x dim
        output = embed if shared else \
            np.frombuffer(d, dtype="<f4", offset=len(d) - 4 * vocab * dim).astype(
                np.float64).reshape(vocab, dim)
    else:
        per_layer("attn_norm", f32, dim)
        per_layer("ffn_norm", f32, dim)
        out_norm = f32(dim)
        embed = mat(vocab, dim)
        for k in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"):
            per_layer(k, mat, *shapes[k])
        output = embed if shared else mat(vocab, dim)
        assert p[0] == len(d), "llama_ref: %s: layout ends at %d, file at %d" % (path, p[0], len(d))
    P = {"embed": embed, "out_norm": out_norm, "output": output, "layers": L}
    return P, dim, nl, nh, nkv


# ---- the forward passes ------------------------------------------------------------

def rmsnorm(x, g, eps):
    return g * x / np.sqrt(np.mean(x * x) + eps)


def layernorm(x, g, b, eps):
    m = x.mean()
    v = ((x - m) ** 2).mean()
    return (x - m) / np.sqrt(v + eps) * g + b


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def rope(v, pos, hs, theta, half):
    """Rotates each head of v; pairs (2i, 2i+1) or, half=True, (i, i+hs/2)."""
    out = v.copy().reshape(-1, hs)
    i = np.arange(hs // 2)
    ang = pos * theta ** (-2.0 * i / hs)
    c, s = np.cos(ang), np.sin(ang)
    if half:
        a, b = out[:, :hs // 2].copy(), out[:, hs // 2:].copy()
        out[:, :hs // 2] = a * c - b * s
        out[:, hs // 2:] = a * s + b * c
    else:
        a, b = out[:, 0::2].copy(), out[:, 1::2].copy()
        out[:, 0::2] = a * c - b * s
        out[:, 1::2] = a * s + b * c
    return out.reshape(-1)


def attend(q, ks, vs, nh, nkv, hs):
    out = np.zeros(nh * hs)
    for h in range(nh):
        g = h // (nh // nkv)
        qh = q[h * hs:(h + 1) * hs]
        sc = np.array([qh @ k[g * hs:(g + 1) * hs] for k in ks]) / np.sqrt(hs)
        a = softmax(sc)
        out[h * hs:(h + 1) * hs] = sum(a[t] * vs[t][g * hs:(g + 1) * hs] for t in range(len(ks)))
    return out


def llama(tokens, P, dim, nl, nh, nkv, eps, theta, half):
    hs = dim // nh
    caches = [([], []) for _ in range(nl)]
    logits = []
    for pos, tok in enumerate(tokens):
        x = P["embed"][tok].copy()
        for l in range(nl):
            L = P["layers"][l]
            xb = rmsnorm(x, L["attn_norm"], eps)
            q = rope(L["wq"] @ xb, pos, hs, theta, half)
            k = rope(L["wk"] @ xb, pos, hs, theta, half)
            v = L["wv"] @ xb
            caches[l][0].append(k)
            caches[l][1].append(v)
            x = x + L["wo"] @ attend(q, caches[l][0], caches[l][1], nh, nkv, hs)
            xb = rmsnorm(x, L["ffn_norm"], eps)
            g = L["w1"] @ xb
            x = x + L["w2"] @ ((g / (1 + np.exp(-g))) * (L["w3"] @ xb))
        x = rmsnorm(x, P["out_norm"], eps)
        logits.append(P["output"] @ x)
    return np.array(logits)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def gpt2(tokens, P, dim, nl, nh, eps):
    hs = dim // nh
    caches = [([], []) for _ in range(nl)]
    logits = []
    for pos, tok in enumerate(tokens):
        x = P["wte"][tok] + P["wpe"][pos]
        for l in range(nl):
            L = P["layers"][l]
            h = layernorm(x, L["ln1_g"], L["ln1_b"], eps)
            qkv = L["wqkv"] @ h + L["bqkv"]
            q, k, v = qkv[:dim], qkv[dim:2 * dim], qkv[2 * dim:]
            caches[l][0].append(k)
            caches[l][1].append(v)
            x = x + L["wo"] @ attend(q, caches[l][0], caches[l][1], nh, nh, hs) + L["bo"]
            h = layernorm(x, L["ln2_g"], L["ln2_b"], eps)
            x = x + L["wdown"] @ gelu(L["wup"] @ h + L["bup"]) + L["bdown"]
        x = layernorm(x, P["lnf_g"], P["lnf_b"], eps)
        logits.append(P["wte"] @ x)
    return np.array(logits)


def run(model, tokens):
    if os.path.isdir(model):
        cfg, w = read_safetensors_dir(model)
        if cfg["model_type"] == "gpt2":
            pre = "transformer." if "transformer.wte.weight" in w else ""
            nl, dim, nh = cfg["n_layer"], cfg["n_embd"], cfg["n_head"]
            P = {"wte": w[pre + "wte.weight"], "wpe": w[pre + "wpe.weight"],
                 "lnf_g": w[pre + "ln_f.weight"], "lnf_b": w[pre + "ln_f.bias"], "layers": []}
            for l in range(nl):
                f = lambda s: w["%sh.%d.%s" % (pre, l, s)]
                P["layers"].append({
                    "ln1_g": f("ln_1.weight"), "ln1_b": f("ln_1.bias"),
                    "wqkv": f("attn.c_attn.weight").T, "bqkv": f("attn.c_attn.bias"),
                    "wo": f("attn.c_proj.weight").T, "bo": f("attn.c_proj.bias"),
                    "ln2_g": f("ln_2.weight"), "ln2_b": f("ln_2.bias"),
                    "wup": f("mlp.c_fc.weight").T, "bup": f("mlp.c_fc.bias"),
                    "wdown": f("mlp.c_proj.weight").T, "bdown": f("mlp.c_proj.bias")})
            return gpt2(tokens, P, dim, nl, nh, cfg.get("layer_norm_epsilon", 1e-5))
        nl, dim = cfg["num_hidden_layers"], cfg["hidden_size"]
        nh = cfg["num_attention_heads"]
        nkv = cfg.get("num_key_value_heads", nh)
        P = {"embed": w["model.embed_tokens.weight"], "out_norm": w["model.norm.weight"],
             "output": w.get("lm_head.weight", w["model.embed_tokens.weight"]), "layers": []}
        for l in range(nl):
            f = lambda s: w["model.layers.%d.%s.weight" % (l, s)]
            P["layers"].append({
                "attn_norm": f("input_layernorm"), "wq": f("self_attn.q_proj"),
                "wk": f("self_attn.k_proj"), "wv": f("self_attn.v_proj"),
                "wo": f("self_attn.o_proj"), "ffn_norm": f("post_attention_layernorm"),
                "w1": f("mlp.gate_proj"), "w2": f("mlp.down_proj"), "w3": f("mlp.up_proj")})
        return llama(tokens, P, dim, nl, nh, nkv, cfg.get("rms_norm_eps", 1e-5),
                     cfg.get("rope_theta", 10000.0), True)
    if open(model, "rb").read(4) != b"GGUF":
        P, dim, nl, nh, nkv = read_llama2c(model)
        return llama(tokens, P, dim, nl, nh, nkv, 1e-5, 10000.0, False)
    meta, w = read_gguf(model)
    arch = meta["general.architecture"]
    nl, dim = meta[arch + ".block_count"], meta[arch + ".embedding_length"]
    nh = meta[arch + ".attention.head_count"]
    if arch == "gpt2":
        P = {"wte": w["token_embd.weight"], "wpe": w["position_embd.weight"],
             "lnf_g": w["output_norm.weight"], "lnf_b": w["output_norm.bias"], "layers": []}
        for l in range(nl):
            f = lambda s: w["blk.%d.%s" % (l, s)]
            P["layers"].append({
                "ln1_g": f("attn_norm.weight"), "ln1_b": f("attn_norm.bias"),
                "wqkv": f("attn_qkv.weight"), "bqkv": f("attn_qkv.bias"),
                "wo": f("attn_output.weight"), "bo": f("attn_output.bias"),
                "ln2_g": f("ffn_norm.weight"), "ln2_b": f("ffn_norm.bias"),
                "wup": f("ffn_up.weight"), "bup": f("ffn_up.bias"),
                "wdown": f("ffn_down.weight"), "bdown": f("ffn_down.bias")})
        return gpt2(tokens, P, dim, nl, nh, meta.get("gpt2.attention.layer_norm_epsilon", 1e-5))
    nkv = meta.get(arch + ".attention.head_count_kv", nh)
    P = {"embed": w["token_embd.weight"], "out_norm": w["output_norm.weight"],
         "output": w.get("output.weight", w["token_embd.weight"]), "layers": []}
    for l in range(nl):
        f = lambda s: w["blk.%d.%s.weight" % (l, s)]
        P["layers"].append({
            "attn_norm": f("attn_norm"), "wq": f("attn_q"), "wk": f("attn_k"),
            "wv": f("attn_v"), "wo": f("attn_output"), "ffn_norm": f("ffn_norm"),
            "w1": f("ffn_gate"), "w2": f("ffn_down"), "w3": f("ffn_up")})
    return llama(tokens, P, dim, nl, nh, nkv,
                 meta.get(arch + ".attention.layer_norm_rms_epsilon", 1e-5),
                 meta.get(arch + ".rope.freq_base", 10000.0), False)


def greedy(model, got, margin, min_steps):
    """Reference greedy generation after BOS against gpai's tokens."""
    toks = [1]
    compared = 0
    for step in range(len(got)):
        lg = run(model, toks)[-1]
        order = np.argsort(-lg, kind="stable")
        gap = (lg[order[0]] - lg[order[1]]) / np.abs(lg).max()
        if gap < margin:
            print("llama_ref: step %d: reference margin %.3g is below %g; stop comparing"
                  % (step, gap, margin))
            break
        if int(order[0]) != got[step]:
            print("llama_ref: step %d: gpai %d, reference %d (margin %.3g)"
                  % (step, got[step], order[0], gap))
            return 1
        compared += 1
        if order[0] == 1:
            break
        toks.append(int(order[0]))
    print("llama_ref: %s: %d greedy steps agree (at least %d needed)" % (model, compared, min_steps))
    return 0 if compared >= min_steps else 1


# ---- multiple choice (lm-evaluation-harness loglikelihood) ---------------------------

def spm_encoder(meta):
    """llama.cpp SPM: a space before non-empty text, codepoints as symbols,
    the adjacent pair whose concatenation is a piece with the highest score
    merges first (leftmost on ties), leftovers become byte tokens."""
    toks = meta["tokenizer.ggml.tokens"]
    scores = meta.get("tokenizer.ggml.scores", [0.0] * len(toks))
    types = meta.get("tokenizer.ggml.token_type", [1] * len(toks))
    unk = meta.get("tokenizer.ggml.unknown_token_id", 0)
    piece = {}
    byte = {}
    for i, t in enumerate(toks):
        if types[i] == 6 and len(t) == 6 and t.startswith("<0x"):
            byte[int(t[3:5], 16)] = i
        else:
            piece.setdefault(t.replace("\u2581", " "), i)

    def encode(text):
        if not text:
            return []
        sym = list(" " + text)
        while True:
            best = None
            for i in range(len(sym) - 1):
                j = piece.get(sym[i] + sym[i + 1])
                if j is not None and (best is None or scores[j] > best[0]):
                    best = (scores[j], i)
            if best is None:
                break
            i = best[1]
            sym[i:i + 2] = [sym[i] + sym[i + 1]]
        ids = []
        for s_ in sym:
            if s_ in piece:
                ids.append(piece[s_])
            else:
                ids.extend(byte.get(b, unk) for b in s_.encode("utf-8"))
        return ids
    return encode


def encode_pair(encode, context, continuation):
    """lm-evaluation-harness TemplateLM._encode_pair (causal models)."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = encode(context + continuation)
    ctx = encode(context)
    return ctx, whole[len(ctx):]


def log_softmax(x):
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def choice_main(model, data, gpai_json, tol):
    meta, _ = read_gguf(model)
    encode = spm_encoder(meta)
    bos = meta["tokenizer.ggml.bos_token_id"]
    got = json.load(open(gpai_json))
    items = [json.loads(l) for l in open(data, encoding="utf-8") if l.strip()]
    if len(items) != len(got["items"]):
        print("llama_ref: %d items, gpai scored %d" % (len(items), len(got["items"])))
        return 1
    worst, bad, n_acc, n_norm = 0.0, 0, 0, 0
    for k, (doc, g) in enumerate(zip(items, got["items"])):
        lls = []
        for c, choice in enumerate(doc["choices"]):
            ctx, cont = encode_pair(encode, doc["context"], choice)
            if ctx != g["context_tokens"] or cont != g["continuation_tokens"][c]:
                print("llama_ref: item %d choice %d: tokens differ: ref %s %s, gpai %s %s"
                      % (k, c, ctx, cont, g["context_tokens"], g["continuation_tokens"][c]))
                bad += 1
            seq = [bos] + ctx + cont
            logits = run(model, seq[:-1])
            lls.append(sum(log_softmax(logits[len(ctx) + j])[t] for j, t in enumerate(cont)))
        diff = np.abs(np.array(lls) - np.array(g["loglik"])).max()
        worst = max(worst, diff)
        pred = int(np.argmax(lls))
        pred_norm = int(np.argmax(np.array(lls) / np.array([float(len(c)) for c in doc["choices"]])))
        if (pred, pred_norm, doc["gold"]) != (g["pred"], g["pred_norm"], g["gold"]):
            print("llama_ref: item %d: ref pred %d pred_norm %d gold %d, gpai %d %d %d"
                  % (k, pred, pred_norm, doc["gold"], g["pred"], g["pred_norm"], g["gold"]))
            bad += 1
        n_acc += pred == doc["gold"]
        n_norm += pred_norm == doc["gold"]
    acc, acc_norm = n_acc / len(items), n_norm / len(items)
    if abs(acc - got["accuracy"]) > 1e-12 or abs(acc_norm - got["acc_norm"]) > 1e-12:
        print("llama_ref: ref accuracy %g acc_norm %g, gpai %g %g"
              % (acc, acc_norm, got["accuracy"], got["acc_norm"]))
        bad += 1
    print("llama_ref: %s: %d items, max |gpai - ref| log-likelihood = %.3g nats (tolerance %g), "
          "accuracy %r, acc_norm %r" % (data, len(items), worst, tol, acc, acc_norm))
    return 0 if worst <= tol and not bad else 1


def main():
    if sys.argv[1] == "--greedy":
        return greedy(sys.argv[2], [int(t) for t in sys.argv[3].split()], float(sys.argv[4]),
                      int(sys.argv[5]))
    if sys.argv[1] == "--choice":
        return choice_main(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    model, toks, logits_path, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    tokens = [int(t) for t in toks.split()]
    ref = run(model, tokens)
    got = np.fromfile(logits_path, dtype="<f4").astype(np.float64).reshape(ref.shape)
    err = np.abs(got - ref).max() / np.abs(ref).max()
    print("llama_ref: %s: max |gpai - ref| / max |ref| = %.3g (tolerance %g)" % (model, err, tol))
    return 0 if err <= tol else 1


if __name__ == "__main__":
    sys.exit(main())
