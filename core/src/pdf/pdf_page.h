/*
 * pdf_page.h - the page as a person sees it (private).
 *
 * A page is displayed as its CropBox (the MediaBox when there is none),
 * turned clockwise by /Rotate (ISO 32000-1 7.7.3.3, 8.3.2.3 and 14.11.2).
 * Callers place signatures in that visible space: origin at the visible
 * bottom left, x right, y up, in points. These helpers convert to and from
 * the page's default user space, where widget /Rect lives, and give the
 * /Matrix that makes an appearance drawn in visible orientation show
 * upright (12.5.5: the transformed /BBox is then fitted to /Rect).
 */
#ifndef KYSO_PDF_PAGE_H
#define KYSO_PDF_PAGE_H

#include "pdf/pdf_file.h"

/* Width and height of the visible page (after rotation). */
void kyso_page_visible_size(const kyso_page *page, double *width,
                            double *height);

/* vis: x, y, width, height in visible space. user: x0, y0, x1, y1 in
 * default user space (normalized, x0 < x1, y0 < y1). */
void kyso_page_rect_to_user(const kyso_page *page, const double vis[4],
                            double user[4]);

/* The inverse: user x0, y0, x1, y1 to visible x, y, width, height. */
void kyso_page_rect_from_user(const kyso_page *page, const double user[4],
                              double vis[4]);

/* The appearance /Matrix (a b c d e f) for the page's rotation: the
 * identity for 0, a turn of -rotate degrees otherwise. */
void kyso_page_appearance_matrix(const kyso_page *page, double m[6]);

#endif
