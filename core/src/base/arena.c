/* arena.c - bump allocator; see arena.h. */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_BLOCK_SIZE = 64 * 1024, ARENA_ALIGN = 16 };

struct kyso_arena_block {
  kyso_arena_block *next;
  size_t used;
  size_t size;
  _Alignas(16) unsigned char data[];
};

void kyso_arena_init(kyso_arena *arena) {
  memset(arena, 0, sizeof(*arena));
}

void kyso_arena_free(kyso_arena *arena) {
  kyso_arena_block *b = arena->head;
  while (b) {
    kyso_arena_block *next = b->next;
    free(b);
    b = next;
  }
  kyso_arena_init(arena);
}

void *kyso_arena_alloc(kyso_arena *arena, size_t size) {
  kyso_arena_block *b = arena->head;
  size_t rounded;
  void *p;

  if (size == 0)
    size = 1;
  if (size > SIZE_MAX - ARENA_ALIGN - sizeof(kyso_arena_block))
    return NULL;
  rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (!b || b->size - b->used < rounded) {
    size_t bsize = rounded > ARENA_BLOCK_SIZE ? rounded : ARENA_BLOCK_SIZE;
    b = malloc(sizeof(kyso_arena_block) + bsize);
    if (!b)
      return NULL;
    b->used = 0;
    b->size = bsize;
    /* Large one-off blocks go behind the head so the head keeps its room. */
    if (arena->head && bsize > ARENA_BLOCK_SIZE) {
      b->next = arena->head->next;
      arena->head->next = b;
    } else {
      b->next = arena->head;
      arena->head = b;
    }
  }
  p = b->data + b->used;
  b->used += rounded;
  arena->total += rounded;
  memset(p, 0, size);
  return p;
}

void *kyso_arena_calloc(kyso_arena *arena, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  return kyso_arena_alloc(arena, n * size);
}

char *kyso_arena_strndup(kyso_arena *arena, const char *s, size_t len) {
  char *p;
  if (len == SIZE_MAX)
    return NULL;
  p = kyso_arena_alloc(arena, len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = 0;
  }
  return p;
}
