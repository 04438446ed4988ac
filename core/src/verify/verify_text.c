/*
 * verify_text.c - the report in words, Vietnamese (default) or English.
 * Reason codes and change kinds come from the stages; an unknown code is
 * shown as it is, so a new code is never lost, only untranslated.
 */
#include <string.h>

#include "kyso/time.h"
#include "verify/verify_internal.h"

enum { VIETNAM_OFFSET_MINUTES = 7 * 60 };

typedef struct phrase {
  const char *code;
  const char *vi;
  const char *en;
} phrase;

static const phrase check_titles[KYSO_CHECK_COUNT] = {
    {"structure", "Cấu trúc chữ ký", "Signature structure"},
    {"revision", "Phiên bản được ký", "Signed revision"},
    {"cms", "Dữ liệu chữ ký (CMS)", "Signature container (CMS)"},
    {"integrity", "Toàn vẹn nội dung", "Content integrity"},
    {"signing_certificate", "Tham chiếu chứng thư ký",
     "Signing certificate reference"},
    {"signature", "Giá trị chữ ký", "Signature value"},
    {"algorithms", "Thuật toán", "Algorithms"},
    {"chain", "Chuỗi chứng thư tới gốc tin cậy",
     "Certificate chain to a trusted root"},
    {"validity", "Hiệu lực chứng thư tại thời điểm ký",
     "Certificate validity at signing time"},
    {"key_usage", "Mục đích sử dụng khoá", "Key usage"},
    {"revocation", "Tình trạng thu hồi tại thời điểm ký",
     "Revocation status at signing time"},
    {"timestamp", "Dấu thời gian", "Timestamp"},
    {"changes", "Thay đổi sau khi ký", "Changes after signing"}};

static const phrase reasons[] = {
    {"not_a_signature_dictionary", "không phải từ điển chữ ký",
     "not a signature dictionary"},
    {"unknown_sub_filter", "định dạng chữ ký (/SubFilter) không được hỗ trợ",
     "unsupported signature format (/SubFilter)"},
    {"contents_missing", "thiếu dữ liệu chữ ký (/Contents)",
     "signature data (/Contents) is missing"},
    {"contents_not_direct_hex", "/Contents không phải chuỗi hex trực tiếp",
     "/Contents is not a direct hex string"},
    {"byte_range_not_direct", "/ByteRange không phải mảng trực tiếp",
     "/ByteRange is not a direct array"},
    {"byte_range_malformed", "/ByteRange sai dạng", "malformed /ByteRange"},
    {"byte_range_not_from_zero", "/ByteRange không bắt đầu từ byte 0",
     "/ByteRange does not start at byte 0"},
    {"byte_range_outside_file", "/ByteRange vượt ra ngoài tệp",
     "/ByteRange reaches outside the file"},
    {"gap_not_contents",
     "vùng không được ký không đúng bằng /Contents (dấu hiệu giả mạo)",
     "the unsigned gap is not exactly /Contents (a forgery pattern)"},
    {"byte_range_overlap", "vùng chữ ký chồng lên chữ ký khác",
     "overlaps another signature"},
    {"not_at_revision_end",
     "phạm vi được ký không kết thúc ở cuối một phiên bản của tệp",
     "the signed range does not end at the end of a revision"},
    {"cms_malformed", "dữ liệu CMS hỏng", "malformed CMS data"},
    {"cms_trailing_data", "có dữ liệu lạ sau CMS", "data after the CMS"},
    {"cms_not_signed_data", "CMS không phải SignedData",
     "CMS is not SignedData"},
    {"cms_signer_count", "số người ký trong CMS không hợp lệ",
     "wrong number of signers in the CMS"},
    {"cms_multiple_signers",
     "CMS có nhiều người ký; chữ ký của từng người đều được kiểm tra",
     "several signers in the CMS; each signature is checked"},
    {"cms_econtent_empty",
     "CMS ghi nội dung rỗng thay vì tách rời (không chuẩn); đã kiểm tra như "
     "chữ ký tách rời",
     "the CMS carries empty content instead of none (not standard); checked "
     "as a detached signature"},
    {"x509_rsa_sha1",
     "định dạng cũ adbe.x509.rsa_sha1 (chữ ký RSA, không có CMS)",
     "legacy adbe.x509.rsa_sha1 format (bare RSA signature, no CMS)"},
    {"doc_timestamp_type",
     "dấu thời gian tài liệu không ghi /Type /DocTimeStamp (không chuẩn)",
     "document timestamp without /Type /DocTimeStamp (not standard)"},
    {"cms_not_detached", "CMS không ở dạng tách rời (detached)",
     "CMS is not detached"},
    {"cms_content_type_mismatch", "kiểu nội dung CMS không khớp",
     "CMS content type mismatch"},
    {"message_digest_mismatch",
     "nội dung đã bị thay đổi sau khi ký (giá trị băm không khớp)",
     "the content changed after signing (digest mismatch)"},
    {"message_digest_missing", "thiếu giá trị băm đã ký",
     "signed message digest missing"},
    {"signer_certificate_missing", "không có chứng thư của người ký",
     "signer certificate missing"},
    {"ess_mismatch", "tham chiếu chứng thư ký không khớp chứng thư",
     "signing certificate reference does not match"},
    {"ess_missing", "thiếu tham chiếu chứng thư ký (bắt buộc với PAdES)",
     "signing certificate reference missing (required by PAdES)"},
    {"ess_absent_allowed", "không có tham chiếu chứng thư ký (được phép)",
     "no signing certificate reference (allowed)"},
    {"signature_invalid", "chữ ký không khớp với chứng thư",
     "the signature does not verify"},
    {"signature_algorithm_unsupported",
     "không kiểm tra được chữ ký: thuật toán không được hỗ trợ",
     "the signature cannot be checked: unsupported algorithm"},
    {"digest_unsupported",
     "không tính được giá trị băm: thuật toán không được hỗ trợ",
     "the digest cannot be computed: unsupported algorithm"},
    {"no_signed_attributes",
     "không có thuộc tính ký: tính toàn vẹn chỉ thể hiện qua giá trị chữ ký",
     "no signed attributes: only the signature value shows integrity"},
    {"weak_digest", "thuật toán băm không còn an toàn (như SHA-1)",
     "the digest algorithm is no longer safe (such as SHA-1)"},
    {"digest_not_for_key",
     "thuật toán băm không đúng quy định cho loại khoá này",
     "digest algorithm not allowed with this key type"},
    {"weak_key", "khoá quá ngắn", "key too short"},
    {"no_certificate_chain_found",
     "không tìm thấy chuỗi chứng thư tới gốc tin cậy",
     "no certificate chain to a trusted root"},
    {"chain_constraints_failure", "chuỗi chứng thư vi phạm ràng buộc",
     "certificate chain constraints violated"},
    {"certificate_signature_invalid", "chữ ký trên chứng thư không hợp lệ",
     "a certificate signature is invalid"},
    {"certificate_chain_general_failure", "lỗi chuỗi chứng thư",
     "certificate chain failure"},
    {"certificate_expired", "chứng thư đã hết hạn tại thời điểm ký",
     "certificate expired at the signing time"},
    {"certificate_not_yet_valid", "chứng thư chưa có hiệu lực tại thời điểm ký",
     "certificate not yet valid at the signing time"},
    {"key_usage_not_for_signing", "chứng thư không được cấp để ký",
     "certificate is not for signing"},
    {"revoked", "chứng thư đã bị thu hồi trước thời điểm ký",
     "certificate revoked before the signing time"},
    {"revoked_after_signing",
     "chứng thư bị thu hồi sau thời điểm ký (đã có dấu thời gian chứng minh)",
     "revoked after the signing time (proven by a timestamp)"},
    {"revoked_no_poe",
     "chứng thư đã bị thu hồi; không chứng minh được chữ ký có trước đó",
     "revoked; nothing proves the signature existed before"},
    {"revocation_unknown",
     "không có dữ liệu thu hồi (CRL/OCSP) kèm theo văn bản",
     "no revocation data (CRL/OCSP) embedded"},
    {"revocation_data_invalid", "dữ liệu thu hồi kèm theo không hợp lệ",
     "embedded revocation data is invalid"},
    {"no_timestamp", "không có dấu thời gian", "no timestamp"},
    {"timestamp_imprint_mismatch", "dấu thời gian không khớp chữ ký",
     "timestamp does not cover this signature"},
    {"timestamp_untrusted", "dấu thời gian không tin cậy được",
     "timestamp is not trusted"},
    {"timestamp_bad_eku", "chứng thư cấp dấu thời gian sai mục đích",
     "timestamp authority certificate has the wrong purpose"},
    {"timestamp_invalid", "dấu thời gian không hợp lệ", "invalid timestamp"},
    {"timestamp_tsa_revoked",
     "chứng thư của đơn vị cấp dấu thời gian đã bị thu hồi; dấu thời gian "
     "không chứng minh được thời điểm ký",
     "the timestamp authority's certificate is revoked; the timestamp does "
     "not prove the signing time"},
    {"timestamp_before_signing_time",
     "dấu thời gian sớm hơn thời điểm ký tự khai quá 7 giờ 15 phút",
     "the timestamp is more than 7 h 15 min before the claimed signing time"},
    {"signing_time_after_timestamp",
     "thời điểm ký tự khai muộn hơn dấu thời gian (thường do phần mềm ghi giờ "
     "Việt Nam như giờ UTC); thời điểm của dấu thời gian được dùng",
     "the claimed signing time is later than the timestamp (often a tool "
     "writing Vietnam time as UTC); the timestamp time is used"},
    {"unmodified", "không có thay đổi nào", "no changes"},
    {"allowed_changes_only", "chỉ có những thay đổi được phép",
     "only allowed changes"},
    {"modified_after_signing", "văn bản bị sửa đổi sau khi ký",
     "the document was modified after signing"},
    {"xref_damaged",
     "bảng tham chiếu của tệp bị hỏng nên không xác định được văn bản có bị "
     "sửa sau khi ký hay không",
     "the file's cross-reference table is damaged, so changes after signing "
     "cannot be checked"},
};

static const phrase change_kinds[] = {
    {"signature_added", "thêm chữ ký", "signature added"},
    {"timestamp_added", "thêm dấu thời gian", "document timestamp added"},
    {"dss_added", "thêm dữ liệu xác thực (DSS)", "validation data (DSS) added"},
    {"form_field_filled", "điền trường biểu mẫu", "form field filled"},
    {"annotation_added", "thêm chú thích", "annotation added"},
    {"annotation_changed", "sửa chú thích", "annotation changed"},
    {"page_content", "sửa nội dung trang", "page content changed"},
    {"page_added", "thêm trang", "page added"},
    {"page_removed", "xoá trang", "page removed"},
    {"page_changed", "sửa thuộc tính trang", "page changed"},
    {"font", "sửa phông chữ", "font changed"},
    {"xobject", "sửa đối tượng hình", "graphics object changed"},
    {"catalog_changed", "sửa cấu trúc tài liệu", "document catalog changed"},
    {"object_freed", "xoá đối tượng", "object deleted"},
    {"signature_changed", "sửa chữ ký đã có", "existing signature changed"},
    {"unreferenced_data_appended", "dữ liệu lạ được nối thêm vào tệp",
     "unreferenced data appended"},
    {"form_field_added", "thêm trường biểu mẫu", "form field added"},
    {"form_changed", "sửa biểu mẫu", "form changed"},
    {"annotation_removed", "xoá chú thích", "annotation removed"},
    {"resource", "sửa tài nguyên trang", "page resource changed"},
    {"info_changed", "sửa thông tin tài liệu (/Info)",
     "document information (/Info) changed"},
    {"metadata_changed", "sửa siêu dữ liệu (XMP)", "metadata (XMP) changed"},
    {"unused_object_added", "thêm đối tượng không được dùng",
     "unused object added"},
    {"unused_object_changed", "sửa đối tượng không còn được dùng",
     "unused object changed"},
    {"unreferenced_object", "đối tượng không có trong bảng tham chiếu",
     "object outside every cross-reference table"},
    {"other", "thay đổi khác", "other change"},
};

static const phrase sub_indications[] = {
    {"FORMAT_FAILURE", "sai định dạng chữ ký", "format failure"},
    {"HASH_FAILURE", "nội dung đã bị thay đổi", "content changed"},
    {"SIG_CRYPTO_FAILURE", "chữ ký không hợp lệ về mật mã",
     "cryptographic failure"},
    {"DOCUMENT_MODIFIED", "văn bản bị sửa sau khi ký",
     "document modified after signing"},
    {"REVOKED", "chứng thư bị thu hồi", "certificate revoked"},
    {"EXPIRED", "chứng thư hết hạn", "certificate expired"},
    {"NOT_YET_VALID", "chứng thư chưa có hiệu lực",
     "certificate not yet valid"},
    {"OUT_OF_BOUNDS_NO_POE",
     "chứng thư hết hạn; không chứng minh được thời điểm ký",
     "certificate expired; signing time not proven"},
    {"NO_SIGNING_CERTIFICATE_FOUND", "không xác định được chứng thư ký",
     "signing certificate not found"},
    {"NO_CERTIFICATE_CHAIN_FOUND", "không có chuỗi tới gốc tin cậy",
     "no chain to a trusted root"},
    {"CHAIN_CONSTRAINTS_FAILURE", "chuỗi chứng thư vi phạm ràng buộc",
     "chain constraints failure"},
    {"SIG_CONSTRAINTS_FAILURE", "chứng thư không dùng để ký",
     "signature constraints failure"},
    {"CRYPTO_CONSTRAINTS_FAILURE",
     "thuật toán không còn an toàn, không được hỗ trợ, hoặc khoá quá yếu",
     "algorithm no longer safe or not supported, or key too weak"},
    {"TRY_LATER", "chưa kiểm tra được tình trạng thu hồi",
     "revocation status unknown"},
    {"REVOKED_NO_POE", "bị thu hồi, không chứng minh được thời điểm ký",
     "revoked, signing time not proven"},
    {"GENERIC", "chưa đủ thông tin để kết luận",
     "not enough information to decide"},
};

/* Revocation evidence (report key revocation_evidence): status, where it
 * came from, and the words around them. */
static const phrase evidence_words[] = {
    {"good", "không bị thu hồi", "not revoked"},
    {"revoked", "bị thu hồi lúc", "revoked at"},
    {"invalid", "dữ liệu thu hồi không dùng được",
     "revocation data not usable"},
    {"none", "không có dữ liệu thu hồi", "no revocation data"},
    {"dss", "nhúng trong văn bản (DSS)", "embedded in the document (DSS)"},
    {"dss_vri", "nhúng trong văn bản (DSS, VRI)",
     "embedded in the document (DSS, VRI)"},
    {"cms", "nhúng trong chữ ký (CMS)", "embedded in the signature (CMS)"},
    {"fetched", "vừa tra cứu trực tuyến", "fetched online now"},
    {"loaded", "do người dùng nạp vào", "loaded by the user"},
    {"produced", "lập lúc", "produced"},
};

static const char *lookup(const phrase *table, size_t n, const char *code,
                          int en) {
  size_t i;
  if (!code)
    return "";
  for (i = 0; i < n; i++)
    if (strcmp(table[i].code, code) == 0)
      return en ? table[i].en : table[i].vi;
  return code;
}

#define LOOKUP(table, code, en)                                                \
  lookup(table, sizeof(table) / sizeof(table[0]), code, en)

static const char *verdict(kyso_indication i, int en) {
  switch (i) {
  case KYSO_INDICATION_TOTAL_PASSED: return en ? "VALID" : "HỢP LỆ";
  case KYSO_INDICATION_TOTAL_FAILED: return en ? "INVALID" : "KHÔNG HỢP LỆ";
  case KYSO_INDICATION_INDETERMINATE: break;
  }
  return en ? "CANNOT BE DECIDED" : "CHƯA XÁC ĐỊNH ĐƯỢC";
}

static const char *result_word(kyso_check_result r, int en) {
  switch (r) {
  case KYSO_RESULT_PASSED: return en ? "passed" : "đạt";
  case KYSO_RESULT_FAILED: return en ? "FAILED" : "KHÔNG ĐẠT";
  case KYSO_RESULT_INDETERMINATE: return en ? "undecided" : "chưa xác định";
  case KYSO_RESULT_NOT_RUN: break;
  }
  return en ? "not checked" : "không kiểm tra";
}

static void put_time(kyso_buf *b, int present, int64_t t) {
  char tmp[32];
  if (!present) {
    kyso_buf_append_str(b, "—");
    return;
  }
  kyso_time_format_iso8601(t, VIETNAM_OFFSET_MINUTES, tmp);
  kyso_buf_append_str(b, tmp);
}

static const char *or_dash(const char *s) {
  return s && *s ? s : "—";
}

/* One line per certificate with revocation data, under the REVOCATION
 * check: "'CN': not revoked (OCSP, fetched online now, produced T)". */
static void evidence_text(kyso_buf *b, const kyso_sig_report *s, int en) {
  size_t k;
  for (k = 0; k < s->evidence_count; k++) {
    const kyso_rev_evidence *e = &s->evidence[k];
    if (!e->status || strcmp(e->status, "none") == 0)
      continue;
    kyso_buf_printf(b, "      - '%s': %s", or_dash(e->certificate),
                    LOOKUP(evidence_words, e->status, en));
    if (e->has_revoked_at) {
      kyso_buf_append_byte(b, ' ');
      put_time(b, 1, e->revoked_at);
    }
    kyso_buf_printf(b, " (%s, %s",
                    e->type && strcmp(e->type, "crl") == 0 ? "CRL" : "OCSP",
                    LOOKUP(evidence_words, e->source, en));
    if (e->has_produced_at) {
      kyso_buf_printf(b, ", %s ", LOOKUP(evidence_words, "produced", en));
      put_time(b, 1, e->produced_at);
    }
    kyso_buf_append_str(b, ")\n");
  }
}

static void signature_text(kyso_buf *b, const kyso_sig_report *s, size_t i,
                           size_t n, size_t revisions, int en) {
  size_t k;
  kyso_buf_printf(
      b, en ? "Signature %zu/%zu: %s — %s\n" : "Chữ ký %zu/%zu: %s — %s\n",
      i + 1, n, or_dash(s->field), verdict(s->indication, en));
  kyso_buf_printf(b, en ? "  Signer: %s" : "  Người ký: %s",
                  or_dash(s->signer_cn));
  if (s->signer_o)
    kyso_buf_printf(b, " (%s)", s->signer_o);
  kyso_buf_printf(
      b, en ? "; serial %s; issued by %s\n" : "; số hiệu %s; cấp bởi %s\n",
      or_dash(s->signer_serial), or_dash(s->issuer_cn));
  kyso_buf_append_str(b, en ? "  Claimed signing time: "
                            : "  Thời điểm ký (tự khai): ");
  put_time(b, s->has_claimed_time, s->claimed_time);
  kyso_buf_append_str(b, en ? "\n  Timestamp: " : "\n  Dấu thời gian: ");
  put_time(b, s->has_timestamp, s->timestamp_time);
  if (!s->has_timestamp)
    kyso_buf_append_str(b, en ? " (signing time not proven)"
                              : " (thời điểm ký chưa được chứng minh)");
  kyso_buf_printf(b,
                  en ? "\n  Algorithms: %s, %s, %d-bit key\n"
                     : "\n  Thuật toán: %s, %s, khoá %d bit\n",
                  or_dash(s->digest_algorithm), or_dash(s->signature_algorithm),
                  s->key_bits);
  if (s->revision < 0)
    kyso_buf_append_str(b, en ? "  Covers: no revision of the file\n"
                              : "  Phạm vi: không khớp phiên bản nào\n");
  else if (s->covers_whole_file)
    kyso_buf_append_str(b, en ? "  Covers: the whole document\n"
                              : "  Phạm vi: toàn bộ văn bản\n");
  else
    kyso_buf_printf(b,
                    en ? "  Covers: revision %lld of %zu (the file has later "
                         "revisions)\n"
                       : "  Phạm vi: phiên bản %lld/%zu (tệp còn các phiên "
                         "bản sau)\n",
                    s->revision + 1, revisions);
  kyso_buf_append_str(b, en ? "  Checks:\n" : "  Kiểm tra:\n");
  for (k = 0; k < KYSO_CHECK_COUNT; k++) {
    const kyso_check *c = &s->checks[k];
    const char *why = c->reason && strcmp(c->reason, "ok") != 0
                          ? LOOKUP(reasons, c->reason, en)
                          : "";
    kyso_buf_printf(b, "    [%s] %s", result_word(c->result, en),
                    en ? check_titles[k].en : check_titles[k].vi);
    if (*why)
      kyso_buf_printf(b, ": %s", why);
    if (c->detail &&
        (c->result != KYSO_RESULT_PASSED ||
         (c->reason && strcmp(c->reason, "signing_time_after_timestamp") == 0)))
      kyso_buf_printf(b, " (%s)", c->detail);
    kyso_buf_append_byte(b, '\n');
    if (k == KYSO_CHECK_REVOCATION)
      evidence_text(b, s, en);
  }
  if (s->change_count)
    kyso_buf_append_str(b, en ? "  Changes after this signature:\n"
                              : "  Thay đổi sau chữ ký này:\n");
  for (k = 0; k < s->change_count; k++) {
    const kyso_change *c = &s->changes[k];
    kyso_buf_printf(
        b, en ? "    - object %u: %s (%s)" : "    - đối tượng %u: %s (%s)",
        c->object, LOOKUP(change_kinds, c->kind, en),
        c->allowed ? (en ? "allowed" : "được phép")
                   : (en ? "NOT allowed" : "KHÔNG được phép"));
    if (c->detail)
      kyso_buf_printf(b, ": %s", c->detail);
    kyso_buf_append_byte(b, '\n');
  }
  kyso_buf_printf(b, en ? "  Verdict: %s" : "  Kết luận: %s",
                  verdict(s->indication, en));
  if (s->sub_indication)
    kyso_buf_printf(b, " — %s [%s]",
                    LOOKUP(sub_indications, s->sub_indication, en),
                    s->sub_indication);
  kyso_buf_append_str(b, "\n\n");
}

const char *kyso_report_get_text(kyso_report *r, const char *lang) {
  kyso_buf *b = &r->text;
  int en = lang && strcmp(lang, "en") == 0;
  char now[32];
  size_t i;

  b->len = 0;
  kyso_time_format_iso8601(r->validation_time, VIETNAM_OFFSET_MINUTES, now);
  kyso_buf_printf(b,
                  en ? "%zu bytes, %zu revisions; checked as of %s\n\n"
                     : "%zu byte, %zu phiên bản; kiểm tra tại thời điểm %s\n\n",
                  r->file_size, r->revision_count, now);
  if (r->count == 0)
    kyso_buf_append_str(b, en ? "The document has no signatures.\n"
                              : "Văn bản không có chữ ký số nào.\n");
  for (i = 0; i < r->count; i++)
    signature_text(b, &r->sigs[i], i, r->count, r->revision_count, en);
  if (r->count)
    kyso_buf_printf(b, en ? "Overall: %s\n" : "Kết luận chung: %s\n",
                    verdict(kyso_report_get_overall(r), en));
  if (!kyso_buf_ok(b))
    return NULL;
  return b->len ? (const char *)b->data : "";
}
