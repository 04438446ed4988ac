/*
 * pdf_page_space.c - visible page space <-> default user space; see
 * pdf_page.h. With the CropBox [cx0 cy0 cx1 cy1] and /Rotate R clockwise,
 * a user space point (x, y) is seen at
 *   R = 0:   (x - cx0, y - cy0)
 *   R = 90:  (y - cy0, cx1 - x)
 *   R = 180: (cx1 - x, cy1 - y)
 *   R = 270: (cy1 - y, x - cx0)
 */
#include "pdf/pdf_page.h"

static void to_user(const kyso_page *p, double vx, double vy, double *x,
                    double *y) {
  const double *c = p->crop_box;
  switch (p->rotate) {
  case 90:
    *x = c[2] - vy;
    *y = c[1] + vx;
    break;
  case 180:
    *x = c[2] - vx;
    *y = c[3] - vy;
    break;
  case 270:
    *x = c[0] + vy;
    *y = c[3] - vx;
    break;
  default:
    *x = c[0] + vx;
    *y = c[1] + vy;
    break;
  }
}

static void to_visible(const kyso_page *p, double x, double y, double *vx,
                       double *vy) {
  const double *c = p->crop_box;
  switch (p->rotate) {
  case 90:
    *vx = y - c[1];
    *vy = c[2] - x;
    break;
  case 180:
    *vx = c[2] - x;
    *vy = c[3] - y;
    break;
  case 270:
    *vx = c[3] - y;
    *vy = x - c[0];
    break;
  default:
    *vx = x - c[0];
    *vy = y - c[1];
    break;
  }
}

static void normalize(double ax, double ay, double bx, double by,
                      double out[4]) {
  out[0] = ax < bx ? ax : bx;
  out[1] = ay < by ? ay : by;
  out[2] = ax < bx ? bx : ax;
  out[3] = ay < by ? by : ay;
}

void kyso_page_visible_size(const kyso_page *page, double *width,
                            double *height) {
  double w = page->crop_box[2] - page->crop_box[0];
  double h = page->crop_box[3] - page->crop_box[1];
  int turned = page->rotate == 90 || page->rotate == 270;
  *width = turned ? h : w;
  *height = turned ? w : h;
}

void kyso_page_rect_to_user(const kyso_page *page, const double vis[4],
                            double user[4]) {
  double ax, ay, bx, by;
  to_user(page, vis[0], vis[1], &ax, &ay);
  to_user(page, vis[0] + vis[2], vis[1] + vis[3], &bx, &by);
  normalize(ax, ay, bx, by, user);
}

void kyso_page_rect_from_user(const kyso_page *page, const double user[4],
                              double vis[4]) {
  double ax, ay, bx, by, n[4];
  to_visible(page, user[0], user[1], &ax, &ay);
  to_visible(page, user[2], user[3], &bx, &by);
  normalize(ax, ay, bx, by, n);
  vis[0] = n[0];
  vis[1] = n[1];
  vis[2] = n[2] - n[0];
  vis[3] = n[3] - n[1];
}

void kyso_page_appearance_matrix(const kyso_page *page, double m[6]) {
  /* Form space is visible orientation; the matrix undoes the page turn:
   * the linear part of the visible -> user map above. */
  static const double rot[4][4] = {
      {1, 0, 0, 1}, {0, 1, -1, 0}, {-1, 0, 0, -1}, {0, -1, 1, 0}};
  int i = page->rotate / 90;
  if (i < 0 || i > 3)
    i = 0;
  m[0] = rot[i][0];
  m[1] = rot[i][1];
  m[2] = rot[i][2];
  m[3] = rot[i][3];
  m[4] = 0;
  m[5] = 0;
}
