// kyso-errors.js - the one error type kyso.js throws: KysoError with a
// stable .code, and for every code a sentence saying what happened and what
// the user should do, in Vietnamese (default) and English. Host codes come
// from native-host/PROTOCOL.md ("Errors"); the WASM module's codes (PDF_*,
// SIGN_*, IMAGE_*, ARGUMENT...) are the CLI's and pass through unchanged.

// code -> { vi: [what happened, what to do], en: [...] }
const TEXT = {
  HOST_NOT_INSTALLED: {
    vi: ['Máy này chưa cài phần mềm ký số kyso (kyso-host).',
         'Tải và cài đặt kyso, rồi tải lại trang này.'],
    en: ['The kyso signing software (kyso-host) is not installed on this computer.',
         'Download and install kyso, then reload this page.'],
  },
  HOST_NOT_RUNNING: {
    // Over the websocket a host that is not running and one that is not
    // installed look the same (connection refused): one code, both hints.
    vi: ['Không kết nối được với phần mềm ký số kyso trên máy này: phần mềm chưa chạy hoặc chưa được cài đặt.',
         'Mở kyso (hoặc đăng nhập lại máy nếu vừa cài) rồi thử lại; nếu máy chưa có kyso, hãy tải và cài đặt.'],
    en: ['Cannot reach the kyso signing software on this computer: it is not running or not installed.',
         'Start kyso (or log in again if you just installed it) and retry; if kyso is not installed, download and install it.'],
  },
  // Not "not installed": kyso-host may well be running (Chrome's Local
  // Network Access; the extension needs no port and no permission).
  LOCAL_ACCESS_BLOCKED: {
    vi: ['Trình duyệt đã chặn trang này kết nối tới phần mềm ký số trên máy (quyền truy cập mạng cục bộ).',
         'Cài tiện ích trình duyệt kyso (khuyên dùng: không cần quyền này) rồi tải lại trang; hoặc bấm biểu tượng bên trái thanh địa chỉ, cho phép "Truy cập mạng cục bộ" (Local network access) rồi tải lại trang. Trang nằm trong khung (iframe) thì quản trị trang web phải cho khung đó quyền truy cập mạng cục bộ.'],
    en: ['The browser blocked this page from reaching the signing software on this computer (local network access).',
         'Install the kyso browser extension (recommended: it needs no such permission) and reload; or click the icon left of the address bar, allow "Local network access", then reload. In a frame (iframe), the site\'s administrator must grant that frame local network access.'],
  },
  // The page's Content-Security-Policy (connect-src) forbids the websocket
  // to kyso-host: the browser never tried, so nothing is known about the
  // host. kyso.js puts the socket's own address in place of the default.
  CSP_BLOCKED: {
    vi: ['Chính sách bảo mật nội dung (Content-Security-Policy) của trang web này không cho trang kết nối tới phần mềm ký số kyso trên máy.',
         'Cài tiện ích trình duyệt kyso (khuyên dùng) rồi tải lại trang; hoặc nhờ quản trị trang web thêm connect-src ws://127.0.0.1:8750 vào Content-Security-Policy của trang.'],
    en: ['This site\'s Content-Security-Policy does not let the page connect to the kyso signing software on this computer.',
         'Install the kyso browser extension (recommended) and reload the page; or ask the site\'s administrator to add connect-src ws://127.0.0.1:8750 to the page\'s Content-Security-Policy.'],
  },
  ORIGIN_DENIED: {
    vi: ['Trang này không được phép dùng token ký số của bạn.',
         'Nếu bạn tin trang này: kyso hỏi lại sau ít nhất 5 phút (hoặc ngay khi bạn bấm "Quên" trang này trong cửa sổ của tiện ích kyso, hay chạy kyso-host --forget-origin); khi đó chọn "Luôn cho phép" hoặc "Chỉ lần này". Nếu trang bị chặn trong cấu hình (deny_origin), hãy nhờ quản trị gỡ bỏ.'],
    en: ['This site is not allowed to use your signing token.',
         'If you trust this site: kyso asks again after 5 minutes at least (or as soon as you click "Forget" for this site in the kyso extension\'s popup, or run kyso-host --forget-origin); then choose "Always" or "Once". If it is denied in the configuration (deny_origin), ask your administrator.'],
  },
  USER_CANCELLED: {
    vi: ['Bạn đã huỷ thao tác ký.', 'Bấm Ký lại khi bạn muốn ký.'],
    en: ['You cancelled signing.', 'Click Sign again when you want to sign.'],
  },
  USER_TIMEOUT: {
    vi: ['Hết thời gian chờ bạn xác nhận trong hộp thoại của kyso.',
         'Bấm Ký lại, rồi xác nhận và nhập mã PIN trong vòng 2 phút.'],
    en: ['The kyso dialog timed out waiting for you.',
         'Click Sign again, then confirm and enter the PIN within 2 minutes.'],
  },
  PIN_INCORRECT: {
    vi: ['Mã PIN không đúng.',
         'Bấm Ký lại và nhập đúng mã PIN. Nhập sai quá số lần cho phép sẽ khoá token.'],
    en: ['Wrong PIN.',
         'Click Sign again and enter the right PIN. Too many wrong PINs lock the token.'],
  },
  PIN_LOCKED: {
    vi: ['Mã PIN của token đã bị khoá.',
         'Liên hệ đơn vị cấp chứng thư số để mở khoá token.'],
    en: ['The token\'s PIN is locked.',
         'Contact the certificate issuer to unlock the token.'],
  },
  TOKEN_REMOVED: {
    vi: ['Token ký số đã bị rút ra.', 'Cắm lại token rồi bấm Ký lại.'],
    en: ['The signing token was removed.', 'Plug the token back in and sign again.'],
  },
  CERT_NOT_FOUND: {
    vi: ['Không token nào đang cắm có chứng thư số đã chọn.',
         'Cắm token chứa chứng thư này, hoặc tải lại danh sách và chọn chứng thư khác.'],
    en: ['No plugged-in token holds the chosen certificate.',
         'Plug in the token holding it, or reload the list and choose another certificate.'],
  },
  BUSY: {
    vi: ['Phần mềm ký số đang chờ bạn trả lời một yêu cầu khác.',
         'Hoàn tất hoặc huỷ hộp thoại kyso đang mở, rồi thử lại.'],
    en: ['The signing software is waiting for you to answer another request.',
         'Finish or cancel the open kyso dialog, then retry.'],
  },
  // The kyso extension serves secure contexts only (https; http only on
  // localhost for developers): the page's origin could be anyone's.
  CONTEXT_INSECURE: {
    vi: ['Trang này không được mở qua kết nối an toàn (https) nên tiện ích kyso không cho trang dùng token ký số.',
         'Mở cổng thông tin bằng địa chỉ bắt đầu bằng https:// rồi ký lại; nếu trang nằm trong khung (iframe), trang chứa khung cũng phải là https. Nếu cổng chưa có https, báo cho quản trị trang web.'],
    en: ['This page was not opened over a secure connection (https), so the kyso extension does not let it use your signing token.',
         'Open the portal at an address starting with https:// and sign again; if the page is in a frame (iframe), the page around it must be https too. If the portal has no https, tell the site\'s administrator.'],
  },
  HOST_DISCONNECTED: {
    vi: ['Mất kết nối với phần mềm ký số kyso.', 'Kiểm tra kyso vẫn đang chạy rồi thử lại.'],
    en: ['The connection to the kyso signing software was lost.', 'Check that kyso is running and retry.'],
  },
  HOST_INCOMPATIBLE: {
    vi: ['Phiên bản phần mềm ký số kyso trên máy không tương thích với trang này.',
         'Cập nhật kyso lên phiên bản mới nhất.'],
    en: ['The kyso signing software on this computer is not compatible with this page.',
         'Update kyso to the latest version.'],
  },
  INVALID_ARGUMENT: {
    vi: ['Phần mềm ký số từ chối yêu cầu vì không hợp lệ (lỗi của trang web).',
         'Báo cho quản trị trang web.'],
    en: ['The signing software refused an invalid request (a bug in this site).',
         'Report it to the site\'s administrator.'],
  },
  NATIVE_FATAL: {
    vi: ['Phần mềm ký số gặp lỗi nội bộ.',
         'Thử lại; nếu vẫn lỗi, khởi động lại kyso và gửi nhật ký cho bộ phận hỗ trợ.'],
    en: ['The signing software failed internally.',
         'Retry; if it persists, restart kyso and send its log to support.'],
  },
  ARGUMENT: {
    vi: ['Tham số ký không hợp lệ (lỗi của trang web).', 'Báo cho quản trị trang web.'],
    en: ['Invalid signing options (a bug in this site).', 'Report it to the site\'s administrator.'],
  },
  // Long-term validation (issue 13). The TSA gave no usable timestamp:
  // the token has signed, the files are finished without a timestamp and
  // come with the error (e.signed), never passed off as timestamped.
  TIMESTAMP_FAILED: {
    vi: ['Văn bản đã được ký nhưng không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA): máy chủ không trả lời, trả lời quá chậm hoặc trả lời không hợp lệ.',
         'Kiểm tra kết nối mạng rồi ký lại; nếu cần dùng ngay, trang web có thể giữ bản đã ký không có dấu thời gian.'],
    en: ['The document was signed but no timestamp came from the timestamp authority (TSA): it did not answer, answered too slowly or gave an invalid answer.',
         'Check the network connection and sign again; if needed now, the site may keep the signed copy without a timestamp.'],
  },
  // Revocation data (OCSP/CRL) could not be fetched for every certificate:
  // the signed file is still returned (file.ltv.warning), valid but not yet
  // verifiable offline in the long term.
  REVOCATION_UNAVAILABLE: {
    vi: ['Văn bản đã được ký, nhưng chưa lấy được dữ liệu thu hồi (CRL/OCSP) để kèm vào văn bản: chữ ký vẫn nguyên vẹn, chỉ là sau này người kiểm tra phải tự tra cứu tình trạng chứng thư.',
         'Kiểm tra kết nối mạng; có thể ký lại sau, hoặc giữ bản đã ký này.'],
    en: ['The document was signed, but the revocation data (CRL/OCSP) to embed could not be fetched: the signature is intact, only later checks will have to look up the certificate status themselves.',
         'Check the network connection; sign again later, or keep this signed copy.'],
  },
  // The revocation data fetched for signing says a certificate is revoked
  // (kyso.js, ltv: true): the files come with the error (e.signed).
  CERTIFICATE_REVOKED: {
    vi: ['Chứng thư số dùng để ký (hoặc chứng thư của đơn vị cấp) đã bị thu hồi: chữ ký vừa tạo sẽ không được công nhận là hợp lệ.',
         'Không dùng văn bản vừa ký; liên hệ đơn vị cấp chứng thư số để được cấp chứng thư mới.'],
    en: ['The signing certificate (or its issuer\'s) has been revoked: the new signature will not be accepted as valid.',
         'Do not use the document just signed; ask the certificate issuer for a new certificate.'],
  },
  // kyso-host's own code for a fetch that gave nothing usable
  // (PROTOCOL.md "timestamp"); kyso.js reports TIMESTAMP_FAILED instead.
  FETCH_FAILED: {
    vi: ['Phần mềm ký số không tải được dữ liệu cần thiết từ máy chủ (dấu thời gian hoặc dữ liệu thu hồi).',
         'Kiểm tra kết nối mạng (và máy chủ proxy nếu cơ quan dùng) rồi thử lại.'],
    en: ['The signing software could not fetch the data it needed from the server (timestamp or revocation data).',
         'Check the network connection (and the proxy, if your office uses one) and retry.'],
  },
  // The module refuses a certificate that cannot make a valid signature
  // now (kyso_cms_check_usable): say which kinds, not "damaged".
  SIGN_CERTIFICATE: {
    vi: ['Chứng thư số đã chọn không dùng để ký được lúc này: đã hết hạn, chưa đến ngày có hiệu lực, hoặc không dành cho ký số.',
         'Chọn chứng thư số khác còn hiệu lực; nếu không có, liên hệ đơn vị cấp chứng thư số để gia hạn hoặc cấp mới.'],
    en: ['The chosen certificate cannot sign now: it has expired, is not yet valid, or is not meant for signing.',
         'Choose another, valid certificate; if you have none, ask the certificate issuer to renew or reissue it.'],
  },
  // The module's form errors: mostly a step out of order in the Decree 30
  // sequence (a seal with no leader's signature to cover, number and date
  // fields never made or already filled), not a damaged file (PDF_*).
  PDF_FORM: {
    vi: ['Văn bản chưa sẵn sàng cho bước ký này: chưa có chữ ký (có ảnh) của lãnh đạo để đóng dấu lên, chưa có ô số và ngày văn bản, ô đã được điền, hoặc văn bản không cho ký thêm.',
         'Kiểm tra lãnh đạo đã ký văn bản này trước (và đã đặt ô số, ngày văn bản); nếu vẫn lỗi, báo cho quản trị trang web kèm mã lỗi.'],
    en: ['The document is not ready for this signing step: no leader\'s signature (with an image) for the seal to cover, no number and date fields, fields already filled, or no further signature allowed.',
         'Check that the leader signed this document first (with the number and date boxes placed); if it persists, report the error code to the site\'s administrator.'],
  },
  // Encrypted documents (pdf_crypt.c): a password to open it, or
  // permissions that forbid adding a signature. Not a damaged file.
  PDF_PASSWORD: {
    vi: ['Văn bản được đặt mật khẩu để mở, nên chưa đọc và ký được.',
         'Xin người gửi bản không đặt mật khẩu mở (có thể giữ mật khẩu chủ sở hữu), rồi ký lại.'],
    en: ['The document is protected by a password to open it, so it cannot be read or signed.',
         'Ask the sender for a copy without an open password (an owner password may stay), then sign again.'],
  },
  PDF_PERMISSION: {
    vi: ['Người tạo văn bản đã đặt quyền không cho thêm chữ ký (chú thích và biểu mẫu bị khoá).',
         'Xin người tạo văn bản cho phép ký hoặc gửi bản không khoá quyền, rồi ký lại.'],
    en: ['The document\'s author set permissions that forbid adding a signature (annotations and forms are locked).',
         'Ask the author to allow signing or to send an unrestricted copy, then sign again.'],
  },
};

// The WASM module's codes by family (the CLI's status names, kyso/status.h).
const FAMILY = {
  PDF_: {
    vi: ['Tệp PDF bị hỏng hoặc kyso chưa hỗ trợ loại tệp này.',
         'Mở tệp bằng trình xem PDF và lưu (in) lại thành PDF mới, rồi ký lại.'],
    en: ['The PDF file is damaged or of a kind kyso does not support.',
         'Open it in a PDF viewer, save (print) it as a new PDF, and sign again.'],
  },
  SIGN_: {
    vi: ['Không tạo được chữ ký với chứng thư số này.',
         'Kiểm tra token và chứng thư số (còn hạn, đúng khoá), rồi ký lại.'],
    en: ['The signature could not be made with this certificate.',
         'Check the token and the certificate (valid, matching key), then sign again.'],
  },
  IMAGE_: {
    vi: ['Ảnh chữ ký không dùng được (chỉ nhận PNG hoặc JPEG, kích thước vừa phải).',
         'Chọn ảnh chữ ký khác.'],
    en: ['The signature image is unusable (PNG or JPEG of a reasonable size only).',
         'Choose another signature image.'],
  },
  LIMIT: {
    vi: ['Tệp vượt quá giới hạn kyso xử lý được.', 'Giảm kích thước tệp rồi ký lại.'],
    en: ['The file exceeds what kyso can process.', 'Make the file smaller and sign again.'],
  },
};
const GENERIC = {
  vi: ['Không ký được tài liệu.', 'Thử lại; nếu vẫn lỗi, báo cho quản trị trang web kèm mã lỗi.'],
  en: ['The document could not be signed.', 'Retry; if it persists, report the error code to the site\'s administrator.'],
};

function textFor(code) {
  if (TEXT[code]) return TEXT[code];
  for (const [prefix, t] of Object.entries(FAMILY)) if (code.startsWith(prefix)) return t;
  return GENERIC;
}

export class KysoError extends Error {
  // code: stable name; detail: the host's or module's own message (English,
  // for logs); extra: { retriesLeft, retryAfter, document, ... }; lang: which language
  // .message uses ('vi' default).
  constructor(code, detail = '', extra = {}, lang = 'vi') {
    const t = textFor(code);
    const texts = {};
    for (const l of ['vi', 'en']) {
      let [what, todo] = t[l];
      if (code === 'PIN_INCORRECT' && Number.isInteger(extra.retriesLeft))
        what += l === 'vi' ? ` Còn ${extra.retriesLeft} lần thử.` : ` ${extra.retriesLeft} tries left.`;
      if (code === 'BUSY' && Number.isInteger(extra.retryAfter)) {
        // The host's rate limit on first-use dialogs (PROTOCOL.md, Origins).
        [what, todo] = l === 'vi'
          ? ['Phần mềm ký số vừa phải hỏi quá nhiều lần về các trang web lạ.',
             `Thử lại sau ${extra.retryAfter} giây.`]
          : ['The signing software has had to ask about unknown sites too often lately.',
             `Retry in ${extra.retryAfter} seconds.`];
      }
      if (code === 'CSP_BLOCKED' && typeof extra.socket === 'string' &&
          /^ws:\/\/(127\.0\.0\.1|\[::1\]):\d{1,5}$/.test(extra.socket))
        todo = todo.replace('ws://127.0.0.1:8750', extra.socket);
      texts[l] = { what, todo };
    }
    const main = texts[lang === 'en' ? 'en' : 'vi'];
    super(`${main.what} ${main.todo}`);
    this.name = 'KysoError';
    this.code = code;
    this.detail = detail;
    this.vi = texts.vi; // { what, todo }
    this.en = texts.en;
    Object.assign(this, extra);
  }

  // "what happened. what to do." in one language.
  text(lang = 'vi') {
    const t = lang === 'en' ? this.en : this.vi;
    return `${t.what} ${t.todo}`;
  }
}

// Any thrown value as a KysoError (the WASM module's own KysoError keeps
// its code; its message becomes .detail).
export function asKysoError(e, lang = 'vi') {
  if (e instanceof KysoError) return e;
  if (e && typeof e.code === 'string' && e.name === 'KysoError')
    return new KysoError(e.code, e.message, {}, lang);
  return new KysoError('NATIVE_FATAL', String(e && e.message ? e.message : e), {}, lang);
}

export const HOST_ERROR_CODES = Object.freeze(Object.keys(TEXT).filter((c) => !c.startsWith('PDF_')));
