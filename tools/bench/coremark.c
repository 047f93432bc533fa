// A CoreMark-like mixed integer kernel (not CoreMark itself, and not comparable with its
// scores): per iteration it
//   - walks, searches, reverses and merge-sorts a linked list of small records,
//   - runs int16 matrix ops (add/multiply by constant, matrix-vector, matrix-matrix, with
//     bit-field extraction),
//   - drives a number-recognising state machine over a generated text,
// and folds every result through CRC-16. Pointer chasing, branchy code, i16/i32 arithmetic.
//
// usage: coremark [ITERATIONS]   (default 6000)
#include "bench.h"

#include <string.h>

// ---- CRC-16/CCITT, bitwise as in CoreMark (the bit loop is part of the load) ----
static uint16_t Crc8(uint8_t data, uint16_t crc) {
  for (int i = 0; i < 8; ++i) {
    uint8_t x16 = (uint8_t)((data & 1) ^ ((uint8_t)crc & 1));
    data >>= 1;
    if (x16 == 1) {
      crc ^= 0x4002;
      crc = (uint16_t)((crc >> 1) | 0x8000);
    } else {
      crc = (uint16_t)(crc >> 1) & 0x7fff;
    }
  }
  return crc;
}

static uint16_t Crc16(uint16_t v, uint16_t crc) {
  crc = Crc8((uint8_t)v, crc);
  return Crc8((uint8_t)(v >> 8), crc);
}

static uint16_t Crc32(uint32_t v, uint16_t crc) {
  return Crc16((uint16_t)(v >> 16), Crc16((uint16_t)v, crc));
}

// ---- Linked list ----
typedef struct Node {
  struct Node* next;
  int16_t data;
  int16_t idx;
} Node;

enum { kListSize = 200 };

static Node* ListReverse(Node* list) {
  Node* prev = NULL;
  while (list) {
    Node* next = list->next;
    list->next = prev;
    prev = list;
    list = next;
  }
  return prev;
}

static Node* ListFind(Node* list, int16_t data) {
  while (list && (list->data & 0xff) != (data & 0xff))
    list = list->next;
  return list;
}

typedef int (*NodeCompare)(const Node*, const Node*);
static int ByData(const Node* a, const Node* b) {
  return a->data - b->data;
}
static int ByIdx(const Node* a, const Node* b) {
  return a->idx - b->idx;
}

// Bottom-up in-place list merge sort (Simon Tatham's), as CoreMark uses.
static Node* ListSort(Node* list, NodeCompare cmp) {
  for (int insize = 1;; insize *= 2) {
    Node* p = list;
    Node* tail = NULL;
    list = NULL;
    int merges = 0;
    while (p) {
      ++merges;
      Node* q = p;
      int psize = 0;
      for (int i = 0; i < insize && q; ++i) {
        ++psize;
        q = q->next;
      }
      int qsize = insize;
      while (psize > 0 || (qsize > 0 && q)) {
        Node* e;
        if (psize == 0) {
          e = q, q = q->next, --qsize;
        } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
          e = p, p = p->next, --psize;
        } else {
          e = q, q = q->next, --qsize;
        }
        if (tail)
          tail->next = e;
        else
          list = e;
        tail = e;
      }
      p = q;
    }
    tail->next = NULL;
    if (merges <= 1)
      return list;
  }
}

static uint16_t ListBench(Node* pool, int iter, uint16_t crc) {
  Node* list = NULL;
  for (int i = kListSize - 1; i >= 0; --i) {
    pool[i].next = list;
    list = &pool[i];
  }
  int found = 0, missed = 0;
  for (int i = 0; i < 16; ++i) {
    Node* hit = ListFind(list, (int16_t)(iter + i * 37));
    if (hit) {
      found += hit->idx;
      list = ListReverse(list);
    } else {
      ++missed;
    }
  }
  list = ListSort(list, ByData);
  for (Node* n = list; n; n = n->next)
    crc = Crc16((uint16_t)n->data, crc);
  list = ListSort(list, ByIdx);
  // Perturb the data so the next iteration sorts a different permutation.
  for (Node* n = list; n; n = n->next)
    n->data = (int16_t)((n->data * 7 + n->idx + iter) & 0x7fff);
  return Crc32((uint32_t)(found * 4 + missed), crc);
}

// ---- Matrix ----
enum { kN = 24 };

static uint16_t MatrixBench(int16_t a[kN][kN],
                            int16_t b[kN][kN],
                            int32_t c[kN][kN],
                            int16_t val,
                            uint16_t crc) {
  int32_t acc = 0;
  // Add a constant, multiply by a constant.
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j)
      a[i][j] = (int16_t)(a[i][j] + val);
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      c[i][j] = (int32_t)a[i][j] * val;
      acc += c[i][j] > 0 ? c[i][j] & 0xff : -(c[i][j] & 0xff);
    }
  crc = Crc32((uint32_t)acc, crc);
  // Matrix-vector.
  for (int i = 0; i < kN; ++i) {
    int32_t sum = 0;
    for (int j = 0; j < kN; ++j)
      sum += (int32_t)a[i][j] * b[j][0];
    c[i][0] = sum;
    crc = Crc32((uint32_t)sum, crc);
  }
  // Matrix-matrix, then with bit-field extraction.
  acc = 0;
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < kN; ++k)
        sum += (int32_t)a[i][k] * b[k][j];
      c[i][j] = sum;
      acc ^= sum;
    }
  crc = Crc32((uint32_t)acc, crc);
  acc = 0;
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < kN; ++k) {
        int32_t t = (int32_t)a[i][k] * b[k][j];
        sum += ((t >> 2) & 0xf) * ((t >> 5) & 0x7f);
      }
      c[i][j] = sum;
      acc += sum;
    }
  crc = Crc32((uint32_t)acc, crc);
  // Undo the added constant so values stay bounded across iterations.
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j)
      a[i][j] = (int16_t)(a[i][j] - val);
  return crc;
}

// ---- State machine ----
typedef enum { kStart, kInvalid, kS1, kS2, kInt, kFloat, kExponent, kScientific, kNumStates } State;

static int IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Advances over one comma-separated token and returns the state it ends in.
static State Transition(const char** text, uint32_t transitions[kNumStates]) {
  const char* s = *text;
  State state = kStart;
  for (; *s && state != kInvalid; ++s) {
    char c = *s;
    if (c == ',') {
      ++s;
      break;
    }
    switch (state) {
      case kStart:
        if (IsDigit(c))
          state = kInt;
        else if (c == '+' || c == '-')
          state = kS1;
        else if (c == '.')
          state = kFloat;
        else
          state = kInvalid;
        ++transitions[kStart];
        break;
      case kS1:
        if (IsDigit(c))
          state = kInt;
        else if (c == '.')
          state = kFloat;
        else
          state = kInvalid;
        ++transitions[kS1];
        break;
      case kInt:
        if (c == '.')
          state = kFloat;
        else if (!IsDigit(c))
          state = kInvalid;
        ++transitions[kInt];
        break;
      case kFloat:
        if (c == 'E' || c == 'e')
          state = kS2;
        else if (!IsDigit(c))
          state = kInvalid;
        ++transitions[kFloat];
        break;
      case kS2:
        if (c == '+' || c == '-')
          state = kExponent;
        else
          state = kInvalid;
        ++transitions[kS2];
        break;
      case kExponent:
        if (IsDigit(c))
          state = kScientific;
        else
          state = kInvalid;
        ++transitions[kExponent];
        break;
      case kScientific:
        if (!IsDigit(c))
          state = kInvalid;
        ++transitions[kScientific];
        break;
      default:
        break;
    }
  }
  // An invalid token still consumes up to its comma.
  while (*s && s[-1] != ',' && state == kInvalid)
    ++s;
  *text = s;
  return state;
}

static uint16_t StateBench(char* text, size_t len, int iter, uint16_t crc) {
  uint32_t finals[kNumStates] = {0}, transitions[kNumStates] = {0};
  const char* p = text;
  while (*p)
    ++finals[Transition(&p, transitions)];
  // Corrupt every 13th byte (offset by iter), rescan, then restore.
  for (size_t i = (size_t)iter % 13; i < len; i += 13)
    text[i] ^= 1;
  p = text;
  while (*p)
    ++finals[Transition(&p, transitions)];
  for (size_t i = (size_t)iter % 13; i < len; i += 13)
    text[i] ^= 1;
  for (int i = 0; i < kNumStates; ++i) {
    crc = Crc32(finals[i], crc);
    crc = Crc32(transitions[i], crc);
  }
  return crc;
}

int main(int argc, char** argv) {
  long iterations = BenchArg(argc, argv, 1, 6000);
  BenchRng rng = {0xC0FFEE0123456789ULL};

  Node* pool = BenchAlloc(kListSize * sizeof(Node));
  for (int i = 0; i < kListSize; ++i) {
    pool[i].idx = (int16_t)i;
    pool[i].data = (int16_t)(BenchNext(&rng) & 0x7fff);
  }

  static int16_t a[kN][kN], b[kN][kN];
  static int32_t c[kN][kN];
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      a[i][j] = (int16_t)(BenchNext(&rng) % 2048);
      b[i][j] = (int16_t)(BenchNext(&rng) % 2048) - 1024;
    }

  static const char* const kTokens[] = {"5012",     "1234",     "-874",     "+122",
                                        "35.54400", ".1234500", "-110.700", "+0.64400",
                                        "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12",
                                        "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^"};
  enum { kTextLen = 2000 };
  char* text = BenchAlloc(kTextLen + 16);
  size_t len = 0;
  while (len + 10 < kTextLen) {
    const char* tok = kTokens[BenchNext(&rng) % 16];
    size_t n = strlen(tok);
    memcpy(text + len, tok, n);
    len += n;
    text[len++] = ',';
  }
  text[len] = '\0';

  uint16_t crc = 0, crc_list = 0, crc_matrix = 0, crc_state = 0;
  for (long it = 0; it < iterations; ++it) {
    crc_list = ListBench(pool, (int)it, crc_list);
    crc_matrix = MatrixBench(a, b, c, (int16_t)(it & 0xff), crc_matrix);
    crc_state = StateBench(text, len, (int)it, crc_state);
    crc = Crc16(crc_list, Crc16(crc_matrix, Crc16(crc_state, crc)));
  }
  printf("coremark iterations=%ld crc_list=%04x crc_matrix=%04x crc_state=%04x crc=%04x\n",
         iterations, crc_list, crc_matrix, crc_state, crc);
  free(pool);
  free(text);
  return 0;
}
