#!/usr/bin/env python3
"""reader_gaps.py - PDFs where PDF readers could choose different objects for
the same number, for tests/integration/verify_reader_gaps_test.sh (issue 12:
a red-team review of the lenient reading rules found each of these made kyso
say VALID while poppler, pdf.js or qpdf showed other content).

  reader_gaps.py hybrid OUT           a hybrid file: its table gives object 4
                                      "Pay 100 VND"; its /XRefStm stream gives
                                      object 4 a hidden "Pay 999,999,999 VND"
                                      copy (the table wins: every reader shows
                                      100). Prints the /XRefStm offset.
  reader_gaps.py ocg OUT              a page with text in an optional content
                                      group the default configuration
                                      (object 9) turns off
  reader_gaps.py repeat-xrefstm IN OUT OFFSET
                                      appends an empty update whose trailer
                                      repeats /XRefStm OFFSET (viewers then
                                      read the hidden copy)
  reader_gaps.py wrong-index IN OUT NUM
                                      appends an object stream holding object
                                      NUM unchanged at index 1 while the xref
                                      names index 0 (a dummy): qpdf and pdf.js
                                      go by number, poppler reads null
  reader_gaps.py twice IN OUT PAGE    appends an object stream holding page
                                      object PAGE twice, the second with other
                                      /Contents; the xref names the first:
                                      poppler takes it, pdf.js and qpdf the
                                      last
  reader_gaps.py form OUT             a contract with a filled text field
                                      (amount, with its appearance, no /DA of
                                      its own; the form's /DA in object 6)
  reader_gaps.py form-da IN OUT       appends a new form object 6: /DA white,
                                      /NeedAppearances true (viewers redraw
                                      the amount invisible)
  reader_gaps.py add-encrypt IN ENC OUT
                                      appends an update whose trailer takes
                                      the /Encrypt dictionary and /ID of ENC
                                      (an encrypted copy): every signed object
                                      decrypts to something else
  reader_gaps.py hide IN OUT N        changes the page text, drops /AcroForm
                                      from catalog 1 (the signature's widget
                                      stays on the page), then appends N
                                      revisions whose bytes say "/ByteRange"
"""
import re
import sys

HEAD = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"


class Writer:
    def __init__(self, head=HEAD):
        self.b = bytearray(head)
        self.off = {}

    def obj(self, num, body, record=True):
        at = len(self.b)
        if record:
            self.off[num] = at
        if isinstance(body, str):
            body = body.encode("latin1")
        self.b += b"%d 0 obj\n" % num + body + b"\nendobj\n"
        return at

    def stream(self, num, data, extra=b"", record=True):
        if isinstance(data, str):
            data = data.encode("latin1")
        return self.obj(num, b"<< /Length %d %s >>\nstream\n" % (len(data), extra)
                        + data + b"\nendstream", record)


def table(entries):
    out = b"xref\n"
    nums = sorted(entries)
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out += b"%d %d\n" % (nums[i], j - i + 1)
        for n in nums[i:j + 1]:
            off, gen, kind = entries[n]
            out += b"%010d %05d %s \n" % (off, gen, kind)
        i = j + 1
    return out


def xref_rows(rows):
    return b"".join(t.to_bytes(1, "big") + a.to_bytes(4, "big") + c.to_bytes(2, "big")
                    for t, a, c in rows)


PAGE = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R "
        "/Resources << /Font << /F1 6 0 R >> >> >>")
FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def hybrid(out):
    w = Writer()
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    w.obj(3, PAGE)
    w.stream(4, "BT /F1 28 Tf 20 100 Td (Pay 100 VND) Tj ET")
    hidden = w.stream(4, "BT /F1 28 Tf 20 100 Td (Pay 999,999,999 VND) Tj ET",
                      record=False)
    w.obj(6, FONT)
    data = xref_rows([(1, hidden, 0)])
    stm_at = w.obj(7, b"<< /Type /XRef /Size 8 /Index [4 1] /W [1 4 2] /Length %d >>\n"
                   b"stream\n" % len(data) + data + b"\nendstream")
    xref_at = len(w.b)
    entries = {0: (0, 65535, b"f"), 5: (0, 0, b"f")}
    for n in (1, 2, 3, 4, 6):
        entries[n] = (w.off[n], 0, b"n")
    w.b += table(entries) + (b"trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d >>\n"
                             b"startxref\n%d\n%%%%EOF\n" % (stm_at, xref_at))
    open(out, "wb").write(w.b)
    print(stm_at)


def ocg(out):
    w = Writer()
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [8 0 R] "
             "/D 9 0 R >> >>")
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R "
             "/Resources << /Font << /F1 6 0 R >> /Properties << /OC1 8 0 R >> >> >>")
    w.stream(4, "BT /F1 20 Tf 20 150 Td (I sell the car) Tj ET\n"
                "/OC /OC1 BDC BT /F1 20 Tf 20 100 Td (and transfer the house) Tj ET EMC")
    w.obj(6, FONT)
    w.obj(8, "<< /Type /OCG /Name (hidden) >>")
    w.obj(9, "<< /Order [8 0 R] /OFF [8 0 R] >>")
    xref_at = len(w.b)
    entries = {0: (0, 65535, b"f"), 5: (0, 0, b"f"), 7: (0, 0, b"f")}
    for n in (1, 2, 3, 4, 6, 8, 9):
        entries[n] = (w.off[n], 0, b"n")
    w.b += table(entries) + (b"trailer\n<< /Size 10 /Root 1 0 R >>\nstartxref\n%d\n"
                             b"%%%%EOF\n" % xref_at)
    open(out, "wb").write(w.b)


def tail(b):
    prev = int(re.findall(rb"startxref\s+(\d+)", b)[-1])
    size = int(re.findall(rb"/Size (\d+)", b)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", b)[-1]
    return prev, size, root


def body_of(b, num):
    return re.findall(rb"\n%d 0 obj\s*(.*?)\s*endobj" % num, b, re.S)[-1]


def repeat_xrefstm(src, out, stm_at):
    b = bytearray(open(src, "rb").read())
    prev, size, root = tail(b)
    at = len(b)
    b += (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %d /Root %s /Prev %d "
          b"/XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, stm_at, at))
    open(out, "wb").write(b)


def append_objstm(src, out, header_nums, bodies, num, extra=None):
    """Appends an object stream (header_nums/bodies) placing object num at
    index 0, plus extra (num -> stream data) objects, and an xref stream."""
    b = bytes(open(src, "rb").read())
    prev, size, root = tail(b)
    n_stm, n_x = size, size + 1 + len(extra or {})
    w = Writer(head=b)
    offs, data = [], b""
    for body in bodies:
        offs.append(len(data))
        data += body + b"\n"
    header = b" ".join(b"%d %d" % (n, o) for n, o in zip(header_nums, offs)) + b" "
    w.obj(n_stm, b"<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n"
          % (len(bodies), len(header), len(header) + len(data)) + header + data
          + b"\nendstream")
    rows = {num: (2, n_stm, 0), n_stm: (1, w.off[n_stm], 0)}
    for k, (n, stream) in enumerate(sorted((extra or {}).items())):
        w.stream(n, stream)
        rows[n] = (1, w.off[n], 0)
    x_at = len(w.b)
    rows[n_x] = (1, x_at, 0)
    index, rowdata = [], b""
    for n in sorted(rows):
        index += [n, 1]
        rowdata += xref_rows([rows[n]])
    w.obj(n_x, b"<< /Type /XRef /Size %d /Index [%s] /W [1 4 2] /Root %s /Prev %d "
          b"/Length %d >>\nstream\n" % (n_x + 1, " ".join(map(str, index)).encode(),
                                        root, prev, len(rowdata)) + rowdata + b"\nendstream")
    w.b += b"startxref\n%d\n%%%%EOF\n" % x_at
    open(out, "wb").write(w.b)


def wrong_index(src, out, num):
    b = open(src, "rb").read()
    _, size, _ = tail(b)
    dummy = size + 1
    append_objstm(src, out, [dummy, num], [b"<< /Dummy true >>", body_of(b, num)], num)


def twice(src, out, page):
    b = open(src, "rb").read()
    _, size, _ = tail(b)
    contents = size + 1
    body = body_of(b, page)
    other = body.replace(b"/Contents 4 0 R", b"/Contents %d 0 R" % contents)
    assert other != body
    append_objstm(src, out, [page, page], [body, other], page,
                  {contents: b"BT /F1 28 Tf 20 100 Td (Pay 999,999,999 VND) Tj ET"})


def append(src, out, objs, trailer=b""):
    """Appends a classic update defining objs (num -> body bytes)."""
    b = bytearray(open(src, "rb").read())
    prev, size, root = tail(b)
    if not b.endswith(b"\n"):
        b += b"\n"
    offs = {}
    for n, body in sorted(objs.items()):
        offs[n] = len(b)
        b += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    at = len(b)
    b += b"xref\n"
    for n in sorted(offs):
        b += b"%d 1\n%010d 00000 n \n" % (n, offs[n])
    size = max([size] + [n + 1 for n in offs])
    b += (b"trailer\n<< /Size %d /Root %s /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n"
          % (size, root, prev, trailer, at))
    open(out, "wb").write(b)


def form(out):
    w = Writer(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>")
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
             "<< /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [7 0 R] >>")
    w.stream(4, "BT /F1 20 Tf 72 700 Td (HOP DONG - so tien thanh toan:) Tj ET")
    w.obj(5, FONT)
    w.obj(6, "<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >>")
    w.obj(7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (SoTien) /V (100 trieu dong) "
             "/Rect [72 640 372 670] /F 4 /P 3 0 R /AP << /N 8 0 R >> >>")
    w.stream(8, "/Tx BMC q BT /Helv 18 Tf 0 g 2 8 Td (100 trieu dong) Tj ET Q EMC",
             b"/Type /XObject /Subtype /Form /BBox [0 0 300 30] "
             b"/Resources << /Font << /Helv 5 0 R >> >>")
    at = len(w.b)
    entries = {0: (0, 65535, b"f")}
    entries.update({n: (o, 0, b"n") for n, o in w.off.items()})
    w.b += table(entries) + b"trailer\n<< /Size 9 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % at
    open(out, "wb").write(w.b)


def form_da(src, out):
    b = open(src, "rb").read()
    fields = re.findall(rb"\n6 0 obj\s*<<.*?(/Fields\s*\[[^\]]*\])", b, re.S)[-1]
    append(src, out, {6: b"<< /DA (/Helv 0 Tf 1 1 1 rg) /NeedAppearances true "
                         b"/DR << /Font << /Helv 5 0 R >> >> " + fields + b" /SigFlags 3 >>"})


def add_encrypt(src, enc, out):
    o = open(enc, "rb").read()
    i = o.find(b"/Filter /Standard")
    start = o.rfind(b"obj", 0, i) + 3
    end = o.find(b"endobj", i)
    ids = re.search(rb"/ID\s*\[\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", o)
    _, size, _ = tail(open(src, "rb").read())
    append(src, out, {size: o[start:end].strip()},
           b"/Encrypt %d 0 R /ID [<%s> <%s>]" % (size, ids.group(1), ids.group(2)))


def hide(src, out, n):
    b = open(src, "rb").read()
    cat = re.findall(rb"\n1 0 obj\s*(<<.*?>>)\s*endobj", b, re.S)[-1]
    cat = re.sub(rb"/AcroForm\s+\d+\s+0\s+R", b"", cat)
    text = b"BT /F1 28 Tf 20 100 Td (Pay 900 VND) Tj ET"
    append(src, out, {1: cat, 4: b"<< /Length %d >>\nstream\n" % len(text) + text
                      + b"\nendstream"})
    _, size, _ = tail(open(out, "rb").read())
    for i in range(n):
        append(out, out, {size: b"<< /Producer (rev %d /ByteRange) >>" % i},
               b"/Info %d 0 R" % size)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "hybrid" and len(argv) == 3:
        hybrid(argv[2])
    elif cmd == "ocg" and len(argv) == 3:
        ocg(argv[2])
    elif cmd == "repeat-xrefstm" and len(argv) == 5:
        repeat_xrefstm(argv[2], argv[3], int(argv[4]))
    elif cmd == "wrong-index" and len(argv) == 5:
        wrong_index(argv[2], argv[3], int(argv[4]))
    elif cmd == "twice" and len(argv) == 5:
        twice(argv[2], argv[3], int(argv[4]))
    elif cmd == "form" and len(argv) == 3:
        form(argv[2])
    elif cmd == "form-da" and len(argv) == 4:
        form_da(argv[2], argv[3])
    elif cmd == "add-encrypt" and len(argv) == 5:
        add_encrypt(argv[2], argv[3], argv[4])
    elif cmd == "hide" and len(argv) == 5:
        hide(argv[2], argv[3], int(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
