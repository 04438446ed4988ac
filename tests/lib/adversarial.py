#!/usr/bin/env python3
"""adversarial.py - worst-case PDFs of about 1 MB for the reader (issue 12,
robustness): shapes that make a naive parser quadratic, recurse without
bound, or loop. Used by tests/integration/adversarial_inputs_test.sh (each
file under a CPU-time limit) and bench/adversarial/run.sh (timed against the
1 s target).

  adversarial.py list                      the generator names, one a line
  adversarial.py gen NAME OUT [BASE.pdf]   write one file; the "upd-" ones
                                           append their shape as an
                                           incremental update to BASE (a
                                           signed PDF), so verify's changes
                                           analysis walks it too

No randomness: the same name gives the same bytes.
"""
import re
import sys

TARGET = 1_000_000  # bytes each file is sized to, roughly


class Pdf:
    """A classic-xref PDF: objects by number, offsets recorded."""

    def __init__(self, header=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"):
        self.out = bytearray(header)
        self.offs = {}

    def obj(self, num, body):
        self.offs[num] = len(self.out)
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.out += b"%d 0 obj\n" % num + body + b"\nendobj\n"

    def stream(self, num, dict_body, data):
        self.offs[num] = len(self.out)
        self.out += (b"%d 0 obj\n<< %s >>\nstream\n" % (num, dict_body.encode())
                     + data + b"\nendstream\nendobj\n")

    def head(self, pages_extra="", catalog_extra=""):
        self.obj(1, "<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra)
        self.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        self.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s >>"
                 % pages_extra)

    def xref_table(self, size, trailer_extra="", prev=None):
        at = len(self.out)
        self.out += b"xref\n0 %d\n0000000000 65535 f\r\n" % size
        for n in range(1, size):
            if n in self.offs:
                self.out += b"%010d 00000 n\r\n" % self.offs[n]
            else:
                self.out += b"0000000000 65535 f\r\n"
        prev_s = " /Prev %d" % prev if prev is not None else ""
        self.out += (b"trailer\n<< /Size %d /Root 1 0 R%s %s >>\nstartxref\n%d\n%%%%EOF\n"
                     % (size, prev_s.encode(), trailer_extra.encode(), at))
        return at


def big_dict(keys=80_000, dup_every=0):
    """One dictionary of 80,000 keys (optionally with repeats)."""
    p = Pdf()
    parts = []
    for i in range(keys):
        k = i // 2 if dup_every and i % dup_every == 0 else i
        parts.append("/K%d %d" % (k, i))
    p.head(pages_extra="/PieceInfo 4 0 R")
    p.obj(4, "<< " + " ".join(parts) + " >>")
    p.xref_table(5)
    return bytes(p.out)


def length_chain(links=15_000):
    """Streams whose /Length is the next stream (load recursion)."""
    p = Pdf()
    p.head(pages_extra="/Contents 4 0 R")
    last = 4 + links
    for i in range(4, last):
        p.stream(i, "/Length %d 0 R" % (i + 1), b"x")
    p.obj(last, "1")
    p.xref_table(last + 1)
    return bytes(p.out)


def deep_arrays(depth=500_000):
    """[[[[ ... ]]]] far deeper than any limit."""
    p = Pdf()
    p.head(pages_extra="/Deep 4 0 R")
    p.obj(4, "[" * depth + "]" * depth)
    p.xref_table(5)
    return bytes(p.out)


def deep_dicts(depth=100_000):
    """<< /A << /A << ... >> >> >> far deeper than any limit."""
    p = Pdf()
    p.head(pages_extra="/Deep 4 0 R")
    p.obj(4, "<</A " * depth + ">>" * depth)
    p.xref_table(5)
    return bytes(p.out)


def nested_near_limit(depth=60, copies=8000):
    """Many arrays nested just under the depth limit, side by side."""
    p = Pdf()
    p.head(pages_extra="/Deep 4 0 R")
    one = "[" * depth + "1" + "]" * depth
    p.obj(4, "[" + " ".join([one] * copies) + "]")
    p.xref_table(5)
    return bytes(p.out)


def many_objects(count=20_000):
    """20,000 tiny objects, all referenced from one array."""
    p = Pdf()
    p.head(pages_extra="/Many 4 0 R")
    p.obj(4, "[" + " ".join("%d 0 R" % n for n in range(5, 5 + count)) + "]")
    for n in range(5, 5 + count):
        p.obj(n, "%d" % n)
    p.xref_table(5 + count)
    return bytes(p.out)


def many_sections(count=6_000):
    """A chain of incremental updates, each with its own xref section,
    more than KYSO_LIMIT_XREF_SECTIONS."""
    p = Pdf()
    p.head()
    prev = p.xref_table(4)
    for i in range(count):
        p.offs = {}
        p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 %d] >>" % (700 + i % 90))
        at = len(p.out)
        p.out += b"xref\n3 1\n%010d 00000 n\r\n" % p.offs[3]
        p.out += (b"trailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                  % (prev, at))
        prev = at
    return bytes(p.out)


def many_subsections(count=20_000):
    """One xref table cut into 20,000 one-entry subsections."""
    p = Pdf()
    p.head()
    for n in range(4, 4 + count):
        p.obj(n, "null")
    at = len(p.out)
    p.out += b"xref\n0 1\n0000000000 65535 f\r\n"
    for n in range(1, 4 + count):
        p.out += b"%d 1\n%010d 00000 n\r\n" % (n, p.offs[n])
    p.out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (4 + count, at))
    return bytes(p.out)


def objstm_count(count=30_000):
    """One object stream holding 30,000 tiny objects, read through an xref
    stream; every one referenced."""
    p = Pdf(b"%PDF-1.7\n")
    first_num = 10
    header = " ".join("%d %d" % (first_num + i, i * 2) for i in range(count))
    body = b"0 " * count  # each object is the integer 0
    data = header.encode() + b" " + body
    first = len(header) + 1
    # Fix the offsets: object i's body starts at first + 2i.
    p.head(pages_extra="/Many 4 0 R")
    p.obj(4, "[" + " ".join("%d 0 R" % (first_num + i) for i in range(count)) + "]")
    p.stream(5, "/Type /ObjStm /N %d /First %d /Length %d" % (count, first, len(data)), data)
    xref_num = first_num + count
    rows = bytearray()
    total = xref_num + 1
    for n in range(total):
        if n == 0:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(4, "big")
        elif n in p.offs:
            rows += bytes([1]) + p.offs[n].to_bytes(4, "big") + (0).to_bytes(4, "big")
        elif first_num <= n < xref_num:
            rows += bytes([2]) + (5).to_bytes(4, "big") + (n - first_num).to_bytes(4, "big")
        elif n == xref_num:
            rows += bytes([1]) + len(p.out).to_bytes(4, "big") + (0).to_bytes(4, "big")
        else:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    at = len(p.out)
    p.out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 4] /Root 1 0 R /Length %d >>\nstream\n"
              % (xref_num, total, len(rows)) + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at)
    return bytes(p.out)


def objstm_claims(count=80_000):
    """8,000 object streams each claiming /N 100000 over a few bytes."""
    p = Pdf()
    p.head(pages_extra="/S 4 0 R")
    p.obj(4, "[" + " ".join("%d 0 R" % n for n in range(5, 5 + count // 10)) + "]")
    for n in range(5, 5 + count // 10):
        p.stream(n, "/Type /ObjStm /N 100000 /First 4 /Length 4", b"1 0 ")
    p.xref_table(5 + count // 10)
    return bytes(p.out)


def long_tokens():
    """A 1 MB string full of escapes, a long name, a long hex string."""
    p = Pdf()
    p.head(pages_extra="/S 4 0 R /N 5 0 R /H 6 0 R")
    p.obj(4, "(" + "\\(\\)\\\\\\n\\101" * 30_000 + ")")
    p.obj(5, "/" + "#41" * 100_000)
    p.obj(6, "<" + "4a" * 150_000 + ">")
    p.xref_table(7)
    return bytes(p.out)


def flat_pages(count=9_000):
    """9,000 pages in one /Kids array."""
    p = Pdf()
    p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join("%d 0 R" % n for n in range(3, 3 + count))
    p.obj(2, "<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count))
    for n in range(3, 3 + count):
        p.obj(n, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
    p.xref_table(3 + count)
    return bytes(p.out)


def many_fields(count=7_000):
    """7,000 AcroForm fields (a few signature fields without values)."""
    p = Pdf()
    fields = " ".join("%d 0 R" % n for n in range(4, 4 + count))
    p.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] >> >>" % fields)
    p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [%s] >>" % fields)
    for n in range(4, 4 + count):
        ft = "/Sig" if n % 1000 == 0 else "/Tx"
        p.obj(n, "<< /FT %s /T (f%d) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>"
              % (ft, n))
    p.xref_table(4 + count)
    return bytes(p.out)


def broken_xref(count=30_000):
    """No usable xref: the reader's repair scan meets 30,000 objects."""
    p = Pdf()
    p.head(pages_extra="/Many 4 0 R")
    p.obj(4, "[" + " ".join("%d 0 R" % n for n in range(5, 5 + count)) + "]")
    for n in range(5, 5 + count):
        p.obj(n, "(x)")
    p.out += b"startxref\n999999999\n%%EOF\n"
    return bytes(p.out)


def prev_loop():
    """Two xref sections whose /Prev point at each other, plus padding."""
    p = Pdf()
    p.head()
    p.out += b"%" + b"x" * 900_000 + b"\n"
    a = len(p.out)
    p.out += b"xref\n0 4\n0000000000 65535 f\r\n"
    for n in (1, 2, 3):
        p.out += b"%010d 00000 n\r\n" % p.offs[n]
    p.out += b"trailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\n" % a
    p.out += b"startxref\n%d\n%%%%EOF\n" % a
    return bytes(p.out)


# ---- incremental updates on a signed base ------------------------------

def base_info(base):
    starts = re.findall(rb"startxref\s+(\d+)", base)
    roots = re.findall(rb"/Root\s+(\d+)\s+(\d+)\s+R", base)
    sizes = re.findall(rb"/Size\s+(\d+)", base)
    if not starts or not roots or not sizes:
        sys.exit("adversarial.py: cannot read the base's trailer")
    return int(starts[-1]), int(roots[-1][0]), int(sizes[-1])


def update(base, objects):
    """base + one update adding objects {num: body bytes}, classic xref."""
    prev, root, size = base_info(base)
    out = bytearray(base)
    if not out.endswith(b"\n"):
        out += b"\n"
    offs = {}
    for num in sorted(objects):
        offs[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    at = len(out)
    new_size = max(size, max(objects) + 1)
    out += b"xref\n"
    for num in sorted(objects):
        out += b"%d 1\n%010d 00000 n\r\n" % (num, offs[num])
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (new_size, root, prev, at))
    return bytes(out)


def root_body(base, root):
    """The last body of the catalog object in base (classic objects)."""
    hits = re.findall(rb"(?:^|\n)%d 0 obj\s*(<<.*?>>)\s*endobj" % root, base, re.S)
    if not hits:
        sys.exit("adversarial.py: cannot find the base's catalog")
    return hits[-1]


def update_with(base, adv):
    """base + an update adding the objects adv(first_free) returns (a dict,
    the first of them the one to point at) and a catalog that references
    it, so the changes analysis must look at them."""
    _, root, size = base_info(base)
    objs = adv(size)
    cat = root_body(base, root)
    objs[root] = b"<< /Adv %d 0 R " % size + cat[2:]
    return update(base, objs)


def upd_big_dict(base):
    return update_with(base, lambda n: {
        n: b"<< " + b" ".join(b"/K%d %d" % (i, i) for i in range(80_000)) + b" >>"})


def upd_deep_arrays(base):
    return update_with(base, lambda n: {n: b"[" * 400_000 + b"]" * 400_000})


def upd_nested_near_limit(base):
    one = b"[" * 60 + b"1" + b"]" * 60
    return update_with(base, lambda n: {n: b"[" + b" ".join([one] * 8000) + b"]"})


def upd_many_objects(base):
    def adv(n):
        objs = {n: b"[" + b" ".join(b"%d 0 R" % (n + 1 + i) for i in range(20_000)) + b"]"}
        for i in range(20_000):
            objs[n + 1 + i] = b"<< /I %d >>" % i
        return objs
    return update_with(base, adv)


def upd_length_chain(base):
    def adv(n):
        objs = {}
        for i in range(15_000):
            objs[n + i] = (b"<< /Length %d 0 R >>\nstream\nx\nendstream" % (n + i + 1))
        objs[n + 15_000] = b"1"
        return objs
    return update_with(base, adv)


def upd_long_tokens(base):
    return update_with(base, lambda n: {
        n: b"[(" + b"\\(\\)\\\\\\n\\101" * 30_000 + b") /" + b"#41" * 60_000 + b"]"})


def upd_many_sections(base):
    out = base
    _, _, size = base_info(base)
    for i in range(6_000):
        out = update(out, {size: b"<< /N %d >>" % i})
    return out


def upd_broken_xref(base):
    """Objects appended after the signature, then a startxref pointing
    nowhere: a reader that repairs meets 30,000 objects."""
    _, _, size = base_info(base)
    out = bytearray(base)
    for i in range(30_000):
        out += b"%d 0 obj\n(x)\nendobj\n" % (size + i)
    out += b"startxref\n999999999\n%%EOF\n"
    return bytes(out)


GENERATORS = {
    "big-dict": lambda: big_dict(),
    "big-dict-dups": lambda: big_dict(dup_every=2),
    "length-chain": lambda: length_chain(),
    "deep-arrays": lambda: deep_arrays(),
    "deep-dicts": lambda: deep_dicts(),
    "nested-near-limit": lambda: nested_near_limit(),
    "many-objects": lambda: many_objects(),
    "many-sections": lambda: many_sections(),
    "many-subsections": lambda: many_subsections(),
    "objstm-count": lambda: objstm_count(),
    "objstm-claims": lambda: objstm_claims(),
    "long-tokens": lambda: long_tokens(),
    "flat-pages": lambda: flat_pages(),
    "many-fields": lambda: many_fields(),
    "broken-xref": lambda: broken_xref(),
    "prev-loop": lambda: prev_loop(),
}
UPDATES = {
    "upd-big-dict": upd_big_dict,
    "upd-deep-arrays": upd_deep_arrays,
    "upd-nested-near-limit": upd_nested_near_limit,
    "upd-many-objects": upd_many_objects,
    "upd-length-chain": upd_length_chain,
    "upd-long-tokens": upd_long_tokens,
    "upd-many-sections": upd_many_sections,
    "upd-broken-xref": upd_broken_xref,
}


def main(argv):
    if len(argv) == 2 and argv[1] == "list":
        for name in list(GENERATORS) + list(UPDATES):
            print(name)
        return 0
    if len(argv) >= 4 and argv[1] == "gen":
        name, out = argv[2], argv[3]
        if name in GENERATORS:
            data = GENERATORS[name]()
        elif name in UPDATES and len(argv) == 5:
            with open(argv[4], "rb") as f:
                data = UPDATES[name](f.read())
        else:
            sys.exit("adversarial.py: unknown generator or missing BASE: %s" % name)
        with open(out, "wb") as f:
            f.write(data)
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
