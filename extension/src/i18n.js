// i18n.js - the extension's own words (popup, built-in verifier page, context
// menu) in Vietnamese (default) and English. The language is storage.local
// "lang" ("vi" | "en"); the verifier report itself speaks through
// web/verify-i18n.js.
const api = globalThis.browser ?? globalThis.chrome;

export const LANGS = ['vi', 'en'];

export const STRINGS = {
  vi: {
    menuVerify: 'Kiểm tra chữ ký số',
    // popup
    popupTitle: 'kyso — chữ ký số',
    hostHeading: 'Phần mềm kyso trên máy',
    hostChecking: 'Đang kiểm tra…',
    hostOk: 'Đã cài đặt và đang hoạt động',
    hostVersion: 'phiên bản giao thức {version}',
    hostMissing: 'Chưa cài đặt kyso trên máy này.',
    hostMissingHelp: 'Hãy cài đặt phần mềm kyso (gói kyso cho Linux hoặc bộ cài do cơ quan cung cấp), rồi mở lại cửa sổ này. Nếu đã cài mà vẫn thấy thông báo này, hãy nhờ quản trị viên chạy lệnh cài đặt cho trình duyệt (install.sh).',
    hostFailing: 'Phần mềm kyso không trả lời đúng',
    certsHeading: 'Thiết bị ký số và chứng thư',
    certsLoading: 'Đang đọc chứng thư…',
    certsNone: 'Không thấy chứng thư nào. Hãy cắm thiết bị ký số (USB token) rồi bấm “Làm mới”.',
    certsError: 'Không đọc được chứng thư',
    holder: 'Người giữ',
    organisation: 'Tổ chức',
    token: 'Thiết bị',
    validity: 'Hiệu lực',
    validFromTo: 'từ {from} đến {to}',
    expiringSoon: 'Sắp hết hạn: còn {days} ngày',
    expired: 'Đã hết hạn',
    notYetValid: 'Chưa đến thời hạn hiệu lực',
    caCert: 'chứng thư CA',
    refresh: 'Làm mới',
    originsHeading: 'Các trang web đã ghi nhớ',
    originsNone: 'Chưa có trang web nào được ghi nhớ.',
    originsError: 'Không đọc được danh sách trang web',
    allowed: 'Được phép',
    denied: 'Bị từ chối',
    fromConfig: 'do quản trị đặt trong host.conf',
    fromUser: 'do bạn chọn',
    retryAfter: 'còn {s} giây',
    revoke: 'Gỡ',
    revokeFailed: 'Không gỡ được',
    langHeading: 'Ngôn ngữ',
    verifyTab: 'Kiểm tra PDF trong thẻ này',
    verifyTabNotPdf: 'Thẻ đang mở không phải là tệp PDF. Để kiểm tra một tệp trong hệ thống văn bản, bấm chuột phải vào liên kết tải tệp và chọn “Kiểm tra chữ ký số”.',
    verifyTabNone: 'Không xác định được thẻ đang mở.',
    openVerifier: 'Mở trang kiểm tra chữ ký',
    // verifier page
    source: 'Nguồn tệp',
    sourcePage: 'từ trang',
    fetching: 'Đang tải tệp với phiên đăng nhập của bạn…',
    fetched: 'Đã tải {size} — tệp chỉ được kiểm tra trên máy này, không tải lên đâu cả.',
    needPermission: 'Tiện ích chưa được phép đọc tệp từ {origin}. Bấm nút dưới để cho phép (chỉ trang này) rồi tải tệp.',
    grant: 'Cho phép đọc từ {origin} và tải tệp',
    grantFetch: 'Tải {url} (liên kết trên trang {page}) với phiên đăng nhập của bạn',
    confirmCrossOrigin: 'Liên kết trỏ tới {url}, khác nơi với trang đã hiển thị nó ({page}). Tiện ích chỉ tải tệp này với phiên đăng nhập (cookie) của bạn khi bạn bấm nút dưới — chỉ bấm nếu bạn tin liên kết này.',
    confirmRefused: 'Trang {page} không tải được {url}. Tiện ích có thể tự tải với phiên đăng nhập của bạn khi bạn bấm nút dưới.',
    redirected: 'Máy chủ chuyển hướng sang địa chỉ khác: tiện ích không đi theo. Hãy mở liên kết trong trang rồi kiểm tra từ đó.',
    pageChanged: 'Trang chứa liên kết đã chuyển sang địa chỉ khác sau khi bạn bấm: tiện ích không tải tệp. Hãy mở lại trang rồi kiểm tra lại.',
    permissionRefused: 'Bạn chưa cho phép: không tải được tệp.',
    jobMissing: 'Không có yêu cầu kiểm tra nào: hãy bấm chuột phải vào liên kết tệp PDF và chọn “Kiểm tra chữ ký số”.',
    jobUnknown: 'Yêu cầu kiểm tra không hợp lệ hoặc đã được dùng. Hãy chọn lại “Kiểm tra chữ ký số” trên liên kết.',
    jobExpired: 'Yêu cầu kiểm tra đã hết hạn (quá 2 phút). Hãy chọn lại “Kiểm tra chữ ký số” trên liên kết.',
    notPdf: 'Đây không phải tệp PDF (máy chủ trả về nội dung khác, có thể là trang đăng nhập hoặc trang báo lỗi).',
    tooBig: 'Tệp lớn quá {max}: không tải.',
    httpError: 'Máy chủ trả lời lỗi HTTP {status}.',
    badUrl: 'Địa chỉ không phải http hoặc https: không tải.',
    networkError: 'Không tải được tệp (lỗi mạng hoặc máy chủ từ chối)',
    fetchAborted: 'Việc tải tệp bị ngắt (thẻ gốc đã đóng hoặc chuyển trang).',
    fetchFailed: 'Không tải được tệp',
  },
  en: {
    menuVerify: 'Verify digital signatures',
    popupTitle: 'kyso — digital signatures',
    hostHeading: 'kyso on this computer',
    hostChecking: 'Checking…',
    hostOk: 'Installed and working',
    hostVersion: 'protocol version {version}',
    hostMissing: 'kyso is not installed on this computer.',
    hostMissingHelp: 'Install the kyso software (the kyso package for Linux or the installer your agency provides), then open this window again. If it is installed and you still see this, ask your administrator to run the browser setup (install.sh).',
    hostFailing: 'kyso does not answer properly',
    certsHeading: 'Signing devices and certificates',
    certsLoading: 'Reading certificates…',
    certsNone: 'No certificate found. Plug in your signing device (USB token) and press “Refresh”.',
    certsError: 'Could not read the certificates',
    holder: 'Holder',
    organisation: 'Organisation',
    token: 'Device',
    validity: 'Validity',
    validFromTo: 'from {from} to {to}',
    expiringSoon: 'Expires soon: {days} days left',
    expired: 'Expired',
    notYetValid: 'Not valid yet',
    caCert: 'CA certificate',
    refresh: 'Refresh',
    originsHeading: 'Remembered websites',
    originsNone: 'No website remembered yet.',
    originsError: 'Could not read the website list',
    allowed: 'Allowed',
    denied: 'Denied',
    fromConfig: 'set by the administrator in host.conf',
    fromUser: 'your choice',
    retryAfter: '{s} s left',
    revoke: 'Revoke',
    revokeFailed: 'Could not revoke',
    langHeading: 'Language',
    verifyTab: 'Verify the PDF in this tab',
    verifyTabNotPdf: 'The open tab is not a PDF file. To check a file in your document system, right-click its download link and choose “Verify digital signatures”.',
    verifyTabNone: 'Could not tell which tab is open.',
    openVerifier: 'Open the signature verifier',
    source: 'File source',
    sourcePage: 'from page',
    fetching: 'Downloading the file with your session…',
    fetched: 'Downloaded {size} — the file is checked on this computer only, never uploaded.',
    needPermission: 'The extension may not read files from {origin} yet. Press the button below to allow it (this site only) and download the file.',
    grant: 'Allow reading from {origin} and download',
    grantFetch: 'Download {url} (a link on {page}) with your session',
    confirmCrossOrigin: 'The link points to {url}, another site than the page that showed it ({page}). The extension downloads it with your session (cookies) only when you press the button below — press it only if you trust this link.',
    confirmRefused: 'The page {page} could not download {url}. The extension can download it itself with your session when you press the button below.',
    redirected: 'The server redirects to another address: the extension does not follow. Open the link in the page and verify from there.',
    pageChanged: 'The page with the link moved to another address after your click: the extension does not fetch the file. Reopen the page and verify again.',
    permissionRefused: 'Not allowed: the file was not downloaded.',
    jobMissing: 'No verification request: right-click a PDF link and choose “Verify digital signatures”.',
    jobUnknown: 'The verification request is invalid or already used. Choose “Verify digital signatures” on the link again.',
    jobExpired: 'The verification request has expired (over 2 minutes). Choose “Verify digital signatures” on the link again.',
    notPdf: 'This is not a PDF file (the server sent something else, maybe a login or error page).',
    tooBig: 'The file is larger than {max}: not downloaded.',
    httpError: 'The server answered HTTP error {status}.',
    badUrl: 'The address is not http or https: not downloaded.',
    networkError: 'Could not download the file (network error or the server refused)',
    fetchAborted: 'The download was interrupted (the original tab was closed or navigated).',
    fetchFailed: 'Could not download the file',
  },
};

// "{name}" placeholders filled from vars.
export function fill(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function tr(lang, key, vars) {
  const table = STRINGS[lang] ?? STRINGS.vi;
  return fill(table[key] ?? STRINGS.vi[key] ?? key, vars);
}

export async function getLang() {
  try {
    const got = await api.storage.local.get('lang');
    return LANGS.includes(got?.lang) ? got.lang : 'vi';
  } catch {
    return 'vi';
  }
}

export async function setLang(lang) {
  if (!LANGS.includes(lang)) throw new Error(`unknown language ${lang}`);
  await api.storage.local.set({ lang });
}
