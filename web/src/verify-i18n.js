// verify-i18n.js - every string of the verifier page, Vietnamese (default)
// and English. The reason, change and sub-indication phrases are the CLI's
// (core/src/verify_text.c), so `kyso verify` and the page say the same
// thing; an unknown code is shown as it is (never lost, only untranslated).
// Kept in a module rather than i18n/*.json so the page needs no fetch to
// start and the strings load with the code that uses them.

export const UI = {
  vi: {
    title: 'Kiểm tra chữ ký số trên văn bản PDF',
    lead: 'Kiểm tra ngay trên máy của bạn: tệp không được tải lên đâu cả.',
    pick: 'Chọn tệp PDF',
    drop: 'Kéo thả tệp PDF vào đây, hoặc bấm “Chọn tệp PDF”.',
    addTrust: 'Thêm chứng thư gốc tin cậy',
    save: 'Lưu kết quả (JSON)',
    print: 'In kết quả',
    lang: 'English',
    loading: 'Đang tải bộ kiểm tra…',
    ready: 'Sẵn sàng.',
    validationTime: 'Thời điểm kiểm tra',
    now: 'hiện tại',
    trustAnchors: 'Gốc tin cậy',
    bundledRoots: 'chứng thư gốc Việt Nam đi kèm (RootCA chuyên dùng Chính phủ G1 và G2, Vietnam National Root CA, MIC National Root CA)',
    added: 'thêm',
    noUpload: 'Không có dữ liệu nào rời khỏi máy: việc kiểm tra chạy trong trình duyệt.',
    file: 'Tệp',
    bytes: 'byte',
    revisions: 'phiên bản',
    overall: 'Kết luận chung',
    noSignatures: 'Văn bản không có chữ ký số nào.',
    signature: 'Chữ ký',
    docTimestamp: 'Dấu thời gian tài liệu',
    signer: 'Người ký',
    organization: 'Cơ quan, tổ chức',
    serial: 'Số hiệu chứng thư',
    claimedTime: 'Thời điểm ký (tự khai)',
    timestamp: 'Dấu thời gian',
    notProven: 'thời điểm ký chưa được chứng minh',
    noTimestamp: 'không có',
    chain: 'Chuỗi chứng thư',
    revocation: 'Tình trạng thu hồi',
    algorithms: 'Thuật toán',
    keyBits: 'khoá {n} bit',
    covers: 'Phạm vi',
    coversWhole: 'toàn bộ văn bản',
    coversRevision: 'phiên bản {i}/{n} (tệp còn các phiên bản sau)',
    coversNone: 'không khớp phiên bản nào',
    checks: 'Các bước kiểm tra',
    changes: 'Thay đổi sau chữ ký này',
    noChanges: 'không có',
    object: 'đối tượng',
    allowed: 'được phép',
    notAllowed: 'KHÔNG được phép',
    why: 'Lý do',
    showOnPage: 'Xem trên trang',
    invisible: 'Chữ ký không hiển thị trên trang.',
    page: 'Trang',
    progress: { copy: 'Đang đọc tệp', hash: 'Đang tính giá trị băm', verify: 'Đang kiểm tra chữ ký', done: 'Xong', render: 'Đang hiển thị trang' },
    errorTitle: 'Không kiểm tra được tệp này',
    notPdf: 'Tệp không phải PDF.',
    badPdf: 'Tệp PDF hỏng hoặc có cấu trúc không đọc được.',
    trustError: 'Không đọc được chứng thư',
    notCertificate: 'tệp không phải chứng thư (PEM hoặc DER)',
    clearTrust: 'Bỏ các chứng thư đã thêm',
    renderError: 'Không hiển thị được trang',
  },
  en: {
    title: 'Check the digital signatures of a PDF',
    lead: 'Checked on your computer: the file is not uploaded anywhere.',
    pick: 'Choose a PDF',
    drop: 'Drop a PDF here, or press “Choose a PDF”.',
    addTrust: 'Add a trusted root certificate',
    save: 'Save report (JSON)',
    print: 'Print',
    lang: 'Tiếng Việt',
    loading: 'Loading the verifier…',
    ready: 'Ready.',
    validationTime: 'Validation time',
    now: 'now',
    trustAnchors: 'Trust anchors',
    bundledRoots: 'the bundled Vietnamese roots (Government RootCA G1 and G2, Vietnam National Root CA, MIC National Root CA)',
    added: 'added',
    noUpload: 'Nothing leaves your computer: the check runs in the browser.',
    file: 'File',
    bytes: 'bytes',
    revisions: 'revisions',
    overall: 'Overall',
    noSignatures: 'The document has no signatures.',
    signature: 'Signature',
    docTimestamp: 'Document timestamp',
    signer: 'Signer',
    organization: 'Organization',
    serial: 'Certificate serial',
    claimedTime: 'Claimed signing time',
    timestamp: 'Timestamp',
    notProven: 'signing time not proven',
    noTimestamp: 'none',
    chain: 'Certificate chain',
    revocation: 'Revocation status',
    algorithms: 'Algorithms',
    keyBits: '{n}-bit key',
    covers: 'Covers',
    coversWhole: 'the whole document',
    coversRevision: 'revision {i} of {n} (the file has later revisions)',
    coversNone: 'no revision of the file',
    checks: 'Checks',
    changes: 'Changes after this signature',
    noChanges: 'none',
    object: 'object',
    allowed: 'allowed',
    notAllowed: 'NOT allowed',
    why: 'Why',
    showOnPage: 'Show on page',
    invisible: 'The signature is not visible on any page.',
    page: 'Page',
    progress: { copy: 'Reading the file', hash: 'Hashing', verify: 'Verifying', done: 'Done', render: 'Rendering pages' },
    errorTitle: 'This file could not be checked',
    notPdf: 'The file is not a PDF.',
    badPdf: 'The PDF is damaged or its structure cannot be read.',
    trustError: 'Cannot read the certificate',
    notCertificate: 'the file is not a certificate (PEM or DER)',
    clearTrust: 'Remove the added certificates',
    renderError: 'Cannot render the page',
  },
};

export const VERDICT = {
  TOTAL_PASSED: { vi: 'Hợp lệ', en: 'Valid' },
  TOTAL_FAILED: { vi: 'Không hợp lệ', en: 'Invalid' },
  INDETERMINATE: { vi: 'Chưa xác định được', en: 'Cannot be decided' },
};

export const CHECK_TITLES = {
  structure: ['Cấu trúc chữ ký', 'Signature structure'],
  revision: ['Phiên bản được ký', 'Signed revision'],
  cms: ['Dữ liệu chữ ký (CMS)', 'Signature container (CMS)'],
  integrity: ['Toàn vẹn nội dung', 'Content integrity'],
  signing_certificate: ['Tham chiếu chứng thư ký', 'Signing certificate reference'],
  signature: ['Giá trị chữ ký', 'Signature value'],
  algorithms: ['Thuật toán', 'Algorithms'],
  chain: ['Chuỗi chứng thư tới gốc tin cậy', 'Certificate chain to a trusted root'],
  validity: ['Hiệu lực chứng thư tại thời điểm ký', 'Certificate validity at signing time'],
  key_usage: ['Mục đích sử dụng khoá', 'Key usage'],
  revocation: ['Tình trạng thu hồi tại thời điểm ký', 'Revocation status at signing time'],
  timestamp: ['Dấu thời gian', 'Timestamp'],
  changes: ['Thay đổi sau khi ký', 'Changes after signing'],
};

export const RESULT_WORDS = {
  passed: ['đạt', 'passed'],
  failed: ['KHÔNG ĐẠT', 'FAILED'],
  indeterminate: ['chưa xác định', 'undecided'],
  not_run: ['không kiểm tra', 'not checked'],
};

export const REASONS = {
  not_a_signature_dictionary: ['không phải từ điển chữ ký', 'not a signature dictionary'],
  unknown_sub_filter: ['định dạng chữ ký (/SubFilter) không được hỗ trợ', 'unsupported signature format (/SubFilter)'],
  contents_missing: ['thiếu dữ liệu chữ ký (/Contents)', 'signature data (/Contents) is missing'],
  contents_not_direct_hex: ['/Contents không phải chuỗi hex trực tiếp', '/Contents is not a direct hex string'],
  byte_range_not_direct: ['/ByteRange không phải mảng trực tiếp', '/ByteRange is not a direct array'],
  byte_range_malformed: ['/ByteRange sai dạng', 'malformed /ByteRange'],
  byte_range_not_from_zero: ['/ByteRange không bắt đầu từ byte 0', '/ByteRange does not start at byte 0'],
  byte_range_outside_file: ['/ByteRange vượt ra ngoài tệp', '/ByteRange reaches outside the file'],
  gap_not_contents: ['vùng không được ký không đúng bằng /Contents (dấu hiệu giả mạo)', 'the unsigned gap is not exactly /Contents (a forgery pattern)'],
  byte_range_overlap: ['vùng chữ ký chồng lên chữ ký khác', 'overlaps another signature'],
  not_at_revision_end: ['phạm vi được ký không kết thúc ở cuối một phiên bản của tệp', 'the signed range does not end at the end of a revision'],
  cms_malformed: ['dữ liệu CMS hỏng', 'malformed CMS data'],
  cms_trailing_data: ['có dữ liệu lạ sau CMS', 'data after the CMS'],
  cms_not_signed_data: ['CMS không phải SignedData', 'CMS is not SignedData'],
  cms_signer_count: ['số người ký trong CMS không hợp lệ', 'wrong number of signers in the CMS'],
  cms_multiple_signers: ['CMS có nhiều người ký; chữ ký của từng người đều được kiểm tra', 'several signers in the CMS; each signature is checked'],
  cms_econtent_empty: ['CMS ghi nội dung rỗng thay vì tách rời (không chuẩn); đã kiểm tra như chữ ký tách rời', 'the CMS carries empty content instead of none (not standard); checked as a detached signature'],
  x509_rsa_sha1: ['định dạng cũ adbe.x509.rsa_sha1 (chữ ký RSA, không có CMS)', 'legacy adbe.x509.rsa_sha1 format (bare RSA signature, no CMS)'],
  doc_timestamp_type: ['dấu thời gian tài liệu không ghi /Type /DocTimeStamp (không chuẩn)', 'document timestamp without /Type /DocTimeStamp (not standard)'],
  cms_not_detached: ['CMS không ở dạng tách rời (detached)', 'CMS is not detached'],
  cms_content_type_mismatch: ['kiểu nội dung CMS không khớp', 'CMS content type mismatch'],
  message_digest_mismatch: ['nội dung đã bị thay đổi sau khi ký (giá trị băm không khớp)', 'the content changed after signing (digest mismatch)'],
  message_digest_missing: ['thiếu giá trị băm đã ký', 'signed message digest missing'],
  signer_certificate_missing: ['không có chứng thư của người ký', 'signer certificate missing'],
  ess_mismatch: ['tham chiếu chứng thư ký không khớp chứng thư', 'signing certificate reference does not match'],
  ess_missing: ['thiếu tham chiếu chứng thư ký (bắt buộc với PAdES)', 'signing certificate reference missing (required by PAdES)'],
  ess_absent_allowed: ['không có tham chiếu chứng thư ký (được phép)', 'no signing certificate reference (allowed)'],
  signature_invalid: ['chữ ký không khớp với chứng thư', 'the signature does not verify'],
  signature_algorithm_unsupported: ['không kiểm tra được chữ ký: thuật toán không được hỗ trợ', 'the signature cannot be checked: unsupported algorithm'],
  digest_unsupported: ['không tính được giá trị băm: thuật toán không được hỗ trợ', 'the digest cannot be computed: unsupported algorithm'],
  no_signed_attributes: ['không có thuộc tính ký: tính toàn vẹn chỉ thể hiện qua giá trị chữ ký', 'no signed attributes: only the signature value shows integrity'],
  weak_digest: ['thuật toán băm không còn an toàn (như SHA-1)', 'the digest algorithm is no longer safe (such as SHA-1)'],
  digest_not_for_key: ['thuật toán băm không đúng quy định cho loại khoá này', 'digest algorithm not allowed with this key type'],
  weak_key: ['khoá quá ngắn', 'key too short'],
  no_certificate_chain_found: ['không tìm thấy chuỗi chứng thư tới gốc tin cậy', 'no certificate chain to a trusted root'],
  chain_constraints_failure: ['chuỗi chứng thư vi phạm ràng buộc', 'certificate chain constraints violated'],
  certificate_signature_invalid: ['chữ ký trên chứng thư không hợp lệ', 'a certificate signature is invalid'],
  certificate_chain_general_failure: ['lỗi chuỗi chứng thư', 'certificate chain failure'],
  certificate_expired: ['chứng thư đã hết hạn tại thời điểm ký', 'certificate expired at the signing time'],
  certificate_not_yet_valid: ['chứng thư chưa có hiệu lực tại thời điểm ký', 'certificate not yet valid at the signing time'],
  key_usage_not_for_signing: ['chứng thư không được cấp để ký', 'certificate is not for signing'],
  revoked: ['chứng thư đã bị thu hồi trước thời điểm ký', 'certificate revoked before the signing time'],
  revoked_after_signing: ['chứng thư bị thu hồi sau thời điểm ký (đã có dấu thời gian chứng minh)', 'revoked after the signing time (proven by a timestamp)'],
  revoked_no_poe: ['chứng thư đã bị thu hồi; không chứng minh được chữ ký có trước đó', 'revoked; nothing proves the signature existed before'],
  revocation_unknown: ['không có dữ liệu thu hồi (CRL/OCSP) kèm theo văn bản', 'no revocation data (CRL/OCSP) embedded'],
  revocation_data_invalid: ['dữ liệu thu hồi kèm theo không hợp lệ', 'embedded revocation data is invalid'],
  no_timestamp: ['không có dấu thời gian', 'no timestamp'],
  timestamp_imprint_mismatch: ['dấu thời gian không khớp chữ ký', 'timestamp does not cover this signature'],
  timestamp_untrusted: ['dấu thời gian không tin cậy được', 'timestamp is not trusted'],
  timestamp_bad_eku: ['chứng thư cấp dấu thời gian sai mục đích', 'timestamp authority certificate has the wrong purpose'],
  timestamp_invalid: ['dấu thời gian không hợp lệ', 'invalid timestamp'],
  timestamp_tsa_revoked: ['chứng thư của đơn vị cấp dấu thời gian đã bị thu hồi; dấu thời gian không chứng minh được thời điểm ký', 'the timestamp authority\'s certificate is revoked; the timestamp does not prove the signing time'],
  timestamp_before_signing_time: ['dấu thời gian sớm hơn thời điểm ký tự khai quá 7 giờ 15 phút', 'the timestamp is more than 7 h 15 min before the claimed signing time'],
  signing_time_after_timestamp: ['thời điểm ký tự khai muộn hơn dấu thời gian (thường do phần mềm ghi giờ Việt Nam như giờ UTC); thời điểm của dấu thời gian được dùng', 'the claimed signing time is later than the timestamp (often a tool writing Vietnam time as UTC); the timestamp time is used'],
  unmodified: ['không có thay đổi nào', 'no changes'],
  allowed_changes_only: ['chỉ có những thay đổi được phép', 'only allowed changes'],
  modified_after_signing: ['văn bản bị sửa đổi sau khi ký', 'the document was modified after signing'],
  xref_damaged: ['bảng tham chiếu của tệp bị hỏng nên không xác định được văn bản có bị sửa sau khi ký hay không', 'the file\'s cross-reference table is damaged, so changes after signing cannot be checked'],
  ok: ['đạt', 'ok'],
};

export const CHANGE_KINDS = {
  signature_added: ['thêm chữ ký', 'signature added'],
  timestamp_added: ['thêm dấu thời gian', 'document timestamp added'],
  dss_added: ['thêm dữ liệu xác thực (DSS)', 'validation data (DSS) added'],
  form_field_filled: ['điền trường biểu mẫu', 'form field filled'],
  annotation_added: ['thêm chú thích', 'annotation added'],
  annotation_changed: ['sửa chú thích', 'annotation changed'],
  page_content: ['sửa nội dung trang', 'page content changed'],
  page_added: ['thêm trang', 'page added'],
  page_removed: ['xoá trang', 'page removed'],
  page_changed: ['sửa thuộc tính trang', 'page changed'],
  font: ['sửa phông chữ', 'font changed'],
  xobject: ['sửa đối tượng hình', 'graphics object changed'],
  catalog_changed: ['sửa cấu trúc tài liệu', 'document catalog changed'],
  object_freed: ['xoá đối tượng', 'object deleted'],
  signature_changed: ['sửa chữ ký đã có', 'existing signature changed'],
  unreferenced_data_appended: ['dữ liệu lạ được nối thêm vào tệp', 'unreferenced data appended'],
  form_field_added: ['thêm trường biểu mẫu', 'form field added'],
  form_changed: ['sửa biểu mẫu', 'form changed'],
  annotation_removed: ['xoá chú thích', 'annotation removed'],
  resource: ['sửa tài nguyên trang', 'page resource changed'],
  info_changed: ['sửa thông tin tài liệu (/Info)', 'document information (/Info) changed'],
  metadata_changed: ['sửa siêu dữ liệu (XMP)', 'metadata (XMP) changed'],
  unused_object_added: ['thêm đối tượng không được dùng', 'unused object added'],
  unused_object_changed: ['sửa đối tượng không còn được dùng', 'unused object changed'],
  unreferenced_object: ['đối tượng không có trong bảng tham chiếu', 'object outside every cross-reference table'],
  other: ['thay đổi khác', 'other change'],
};

export const SUB_INDICATIONS = {
  FORMAT_FAILURE: ['sai định dạng chữ ký', 'format failure'],
  HASH_FAILURE: ['nội dung đã bị thay đổi', 'content changed'],
  SIG_CRYPTO_FAILURE: ['chữ ký không hợp lệ về mật mã', 'cryptographic failure'],
  DOCUMENT_MODIFIED: ['văn bản bị sửa sau khi ký', 'document modified after signing'],
  REVOKED: ['chứng thư bị thu hồi', 'certificate revoked'],
  EXPIRED: ['chứng thư hết hạn', 'certificate expired'],
  NOT_YET_VALID: ['chứng thư chưa có hiệu lực', 'certificate not yet valid'],
  OUT_OF_BOUNDS_NO_POE: ['chứng thư hết hạn; không chứng minh được thời điểm ký', 'certificate expired; signing time not proven'],
  NO_SIGNING_CERTIFICATE_FOUND: ['không xác định được chứng thư ký', 'signing certificate not found'],
  NO_CERTIFICATE_CHAIN_FOUND: ['không có chuỗi tới gốc tin cậy', 'no chain to a trusted root'],
  CHAIN_CONSTRAINTS_FAILURE: ['chuỗi chứng thư vi phạm ràng buộc', 'chain constraints failure'],
  SIG_CONSTRAINTS_FAILURE: ['chứng thư không dùng để ký', 'signature constraints failure'],
  CRYPTO_CONSTRAINTS_FAILURE: ['thuật toán không còn an toàn, không được hỗ trợ, hoặc khoá quá yếu', 'algorithm no longer safe or not supported, or key too weak'],
  TRY_LATER: ['chưa kiểm tra được tình trạng thu hồi', 'revocation status unknown'],
  REVOKED_NO_POE: ['bị thu hồi, không chứng minh được thời điểm ký', 'revoked, signing time not proven'],
  GENERIC: ['chưa đủ thông tin để kết luận', 'not enough information to decide'],
};

// Revocation evidence (report key revocation_evidence): status, where the
// data came from, and the words around them (verify_text.c evidence_words).
export const EVIDENCE_WORDS = {
  good: ['không bị thu hồi', 'not revoked'],
  revoked: ['bị thu hồi lúc', 'revoked at'],
  invalid: ['dữ liệu thu hồi không dùng được', 'revocation data not usable'],
  none: ['không có dữ liệu thu hồi', 'no revocation data'],
  dss: ['nhúng trong văn bản (DSS)', 'embedded in the document (DSS)'],
  dss_vri: ['nhúng trong văn bản (DSS, VRI)', 'embedded in the document (DSS, VRI)'],
  cms: ['nhúng trong chữ ký (CMS)', 'embedded in the signature (CMS)'],
  fetched: ['vừa tra cứu trực tuyến', 'fetched online now'],
  loaded: ['do người dùng nạp vào', 'loaded by the user'],
  produced: ['lập lúc', 'produced'],
};

// The report's times ("2026-12-07T03:00:00Z") at +07:00, as the CLI shows
// them (kyso_time_format_iso8601 with a +420 minute offset).
export function vietnamTime(iso) {
  const t = Date.parse(iso);
  if (!iso || Number.isNaN(t)) return '—';
  return new Date(t + 7 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, '+07:00');
}

// One evidence entry in words, the same text as the CLI's line under the
// revocation check (without its indent): "'CN': not revoked (OCSP, fetched
// online now, produced 2026-12-07T10:00:00+07:00)". '' for status none.
export function evidenceLine(e, lang) {
  if (!e || !e.status || e.status === 'none') return '';
  let s = `'${e.certificate || '—'}': ${phrase(EVIDENCE_WORDS, e.status, lang)}`;
  if (e.revoked_at) s += ` ${vietnamTime(e.revoked_at)}`;
  s += ` (${e.type === 'crl' ? 'CRL' : 'OCSP'}, ${phrase(EVIDENCE_WORDS, e.source, lang)}`;
  if (e.produced_at) s += `, ${phrase(EVIDENCE_WORDS, 'produced', lang)} ${vietnamTime(e.produced_at)}`;
  return `${s})`;
}

// phrase(TABLE, code, lang): the phrase, or the code itself when unknown.
export function phrase(table, code, lang) {
  if (!code) return '';
  const p = table[code];
  return p ? p[lang === 'en' ? 1 : 0] : code;
}

// fill('khoá {n} bit', { n: 2048 })
export function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}
