#!/usr/bin/python3
"""vocab_repair.py DAMAGED OUT - rebuilds a llama.cpp ggml-vocab-*.gguf whose
bytes went through a UTF-8 decode with replacement and back (every byte
sequence that is not valid UTF-8 became U+FFFD, EF BF BD).

The copies in ../shared/reference/tokenizer/ are such files (their sha256 is
that of the public source, which was damaged the same way): token strings
and merges are valid UTF-8 and survived; numbers whose bytes are not valid
UTF-8 did not (float32 scores and epsilons, and integers with a byte >= 0x80:
the 50257/50000 counts, bos/eos 50256, string lengths >= 128,
rope.dimension_count 128).

Each damaged number is rebuilt from a short list of candidates and must
reproduce the surviving bytes exactly; counts are recovered by walking the
strings up to the next key; ids by the control token whose id fits; lengths
by the only value that leads to a valid next field.  The result is accepted
only if damaging it again gives the input byte for byte, and only if every
choice was unique.  Exit 0 and OUT written, or exit 1 with the reason.

The score candidates are LLaMA's SentencePiece scores: 0 for the 259
special and byte pieces, -1e9 for the whitespace-run pieces, and
-(id - 259), the BPE merge order, for the rest; each is checked against the
bytes that survived.
"""
import struct
import sys

R = b"\xef\xbf\xbd"
LLAMA_FIRST_MERGED = 259
USER_PIECE_SCORE = -1e9
EPS_CANDIDATES = (1e-5, 1e-6, 1e-12)


def damage(b):
    return b.decode("utf-8", "replace").encode("utf-8")


class Fail(Exception):
    pass


class Walker:
    def __init__(self, d):
        self.d = d
        self.p = 0
        self.out = bytearray()
        self.meta = {}

    def raw(self, n, what):
        chunk = self.d[self.p:self.p + n]
        if len(chunk) != n or R in chunk and damage(chunk) != chunk:
            raise Fail("%s at %d is damaged or truncated" % (what, self.p))
        self.p += n
        self.out += chunk
        return chunk

    def num(self, fmt, what, candidates=None):
        size = struct.calcsize(fmt)
        plain = self.d[self.p:self.p + size]
        if len(plain) == size and R not in self.d[self.p:self.p + size + 2]:
            self.p += size
            self.out += plain
            return struct.unpack(fmt, plain)[0]
        if candidates is None:
            raise Fail("%s at %d is damaged and has no candidates" % (what, self.p))
        hits = []
        for c in candidates:
            b = struct.pack(fmt, c)
            e = damage(b + b"\x00")[:-1]
            if self.d[self.p:self.p + len(e)] == e:
                hits.append((c, b, e))
        values = {h[0] for h in hits}
        if len(values) != 1:
            raise Fail("%s at %d: %d candidates fit" % (what, self.p, len(values)))
        c, b, e = hits[0]
        self.p += len(e)
        self.out += b
        return c

    def damaged_size(self, at, size):
        """Bytes that a size-byte field at `at` occupies after the damage
        (each U+FFFD stands for one original byte here)."""
        n = size
        while size + 2 * self.d[at:at + n].count(R) > n:
            n = size + 2 * self.d[at:at + n].count(R)
        return n

    def next_is_key(self, at):
        n = self.d[at:at + 8]
        if len(n) < 8 or R in n:
            return False
        ln = struct.unpack("<Q", n)[0]
        key = self.d[at + 8:at + 8 + ln]
        return 0 < ln < 256 and (key.startswith(b"tokenizer.") or key.startswith(b"general."))

    def plausible_len_at(self, at):
        n = self.d[at:at + 8]
        if len(n) < 8:
            return at == len(self.d)
        if n[:1] != R and R not in n[1:]:
            return struct.unpack("<Q", n)[0] < 4096
        # a damaged low byte: FFFD then seven zero bytes
        return n[:3] == R and self.d[at + 3:at + 10] == b"\x00" * 7

    def string(self, what):
        head = self.d[self.p:self.p + 8]
        if R not in self.d[self.p:self.p + 10]:
            ln = self.num("<Q", what + " length")
            return self.raw(ln, what)
        if head[:3] != R or self.d[self.p + 3:self.p + 10] != b"\x00" * 7:
            raise Fail("%s length at %d: unexpected damage" % (what, self.p))
        start = self.p + 10
        fits = []
        for ln in range(128, 256):
            body = self.d[start:start + ln]
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                continue
            # vocabulary strings hold no NUL (GPT-2 maps bytes < 0x21 to
            # letters; SentencePiece writes bytes as "<0x00>")
            if R in body or b"\x00" in body:
                continue
            nxt = start + ln
            if self.plausible_len_at(nxt) or self.next_is_key(nxt):
                fits.append(ln)
        if len(fits) != 1:
            raise Fail("%s length at %d: %d lengths fit" % (what, self.p, len(fits)))
        self.p += 10
        self.out += struct.pack("<Q", fits[0])
        return self.raw(fits[0], what)

    def count_strings(self, at):
        """Strings from `at` up to the next key (damaged lengths allowed)."""
        save = (self.p, bytes(self.out))
        self.p = at
        n = 0
        while not self.next_is_key(self.p) and self.p < len(self.d):
            self.string("probe")
            n += 1
        self.p, self.out = save[0], bytearray(save[1])
        return n


SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B",
          10: "<Q", 11: "<q", 12: "<d"}


def walk(d):
    w = Walker(d)
    w.raw(4, "magic")
    w.num("<I", "version")
    n_tensors = w.num("<Q", "tensor count")
    n_kv = w.num("<Q", "kv count")
    if n_tensors != 0:
        raise Fail("not a vocabulary-only file")
    tokens, types = [], []
    for _ in range(n_kv):
        key = w.string("key").decode()
        t = w.num("<I", key + " type")
        if t == 8:
            w.meta[key] = w.string(key)
        elif t == 9:
            et = w.num("<I", key + " element type")
            cnt_at = w.p
            if et == 8:
                known = w.count_strings(cnt_at + w.damaged_size(cnt_at, 8))
                n = w.num("<Q", key + " count", [known])
                vals = [w.string(key) for _ in range(n)]
                if key == "tokenizer.ggml.tokens":
                    tokens = vals
            else:
                n = w.num("<Q", key + " count", [len(tokens)])
                vals = []
                for i in range(n):
                    cands = None
                    if et == 6:
                        cands = [0.0, USER_PIECE_SCORE, float(-(i - LLAMA_FIRST_MERGED))]
                    vals.append(w.num(SCALAR[et], "%s[%d]" % (key, i), cands))
                if key == "tokenizer.ggml.token_type":
                    types = vals
            w.meta[key] = vals
        else:
            cands = None
            if t == 6 and "epsilon" in key:
                cands = EPS_CANDIDATES
            elif key.endswith("rope.dimension_count"):
                arch = w.meta["general.architecture"].decode()
                cands = [w.meta[arch + ".embedding_length"] // w.meta[arch + ".attention.head_count"]]
            elif key.endswith("_token_id"):
                cands = [i for i, ty in enumerate(types) if ty == 3]
            w.meta[key] = w.num(SCALAR[t], key, cands)
    if w.p != len(d):
        raise Fail("%d bytes left after the last key" % (len(d) - w.p))
    return bytes(w.out)


def main():
    d = open(sys.argv[1], "rb").read()
    try:
        out = walk(d)
    except Fail as e:
        sys.stderr.write("vocab_repair: %s: %s\n" % (sys.argv[1], e))
        return 1
    if damage(out) != d:
        sys.stderr.write("vocab_repair: %s: the rebuilt file does not damage back to the input\n"
                         % sys.argv[1])
        return 1
    open(sys.argv[2], "wb").write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
