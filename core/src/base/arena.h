/*
 * arena.h - bump allocator that owns everything a document parsed (private).
 *
 * Objects live until the arena is freed (kyso_pdf_close, or the end of an
 * update), so parsed values can point at each other freely. Memory comes
 * zeroed. Allocation failure returns NULL; nothing is freed one by one.
 */
#ifndef KYSO_ARENA_H
#define KYSO_ARENA_H

#include <stddef.h>

typedef struct kyso_arena_block kyso_arena_block;

typedef struct kyso_arena {
  kyso_arena_block *head;
  size_t total; /* bytes handed out, for limits */
} kyso_arena;

void kyso_arena_init(kyso_arena *arena);
void kyso_arena_free(kyso_arena *arena);
/* size bytes, zeroed, aligned for any object; NULL on failure. */
void *kyso_arena_alloc(kyso_arena *arena, size_t size);
/* n elements of size bytes with overflow check. */
void *kyso_arena_calloc(kyso_arena *arena, size_t n, size_t size);
/* Copies len bytes and adds a terminating NUL. */
char *kyso_arena_strndup(kyso_arena *arena, const char *s, size_t len);

#endif
