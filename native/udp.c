/*
 * enet-ts native UDP backend (Linux): one non-blocking datagram socket polled with libuv,
 * received with recvmmsg into a buffer shared with JS, sent with sendmmsg (UDP_SEGMENT for runs
 * of equal-size datagrams to one address). N-API only; see README.md beside this file.
 *
 * JS-visible functions (src/transport/native-socket.ts is the only caller):
 *   open(family, address, port, rcvbuf, sndbuf, data, meta, slotSize, callback, gro, busyPollUs) -> handle
 *   send(handle, data, meta, count)
 *   localPort(handle) -> number          close(handle)
 *   stats(handle) -> object              fd(handle) -> number
 *   setGso(handle, enabled)              (benchmarks and tests: plain sendmmsg only)
 *   receiveErrors(handle, enabled)       (tests: IP_RECVERR, so that ICMP errors reach the socket)
 *   failSends(handle, mask)              (tests: bit k makes the k-th next sendmmsg fail with EAGAIN)
 *   broadcastEnabled(fd) -> boolean      (tests: reads SO_BROADCAST of any socket)
 *   allocateLarge(size) -> ArrayBuffer | null
 *                                        zeroed storage for a large received packet: its own
 *                                        mapping in transparent huge pages where the kernel
 *                                        allows them, faulted in by a short-lived thread
 * The receive callback gets the number of datagrams described in `meta`, or a negative errno
 * when the poll itself fails. When it returns true for a batch, it is called again with 0 once the
 * microtasks and process.nextTick callbacks that batch queued have run (the application's
 * reaction to it), before the next read: JS needs no process.nextTick of its own per batch.
 * With `gro`, a record may hold a run of coalesced datagrams: its segment size is in the upper
 * 16 bits of the flags word.
 *
 * Busy polling (busyPollUs > 0): once a wake-up has handed out datagrams and found the queue
 * empty, the socket keeps reading (yielding the CPU between tries) for up to busyPollUs before
 * it goes back to the event loop, when the last gap between the queue going empty and the next
 * datagram was under twice that: a reply that comes within it is read without the sleep and
 * wake-up in between. A poll that gets nothing makes the next 1, 2, 4 ... 256 wake-ups skip it;
 * one that gets a datagram resets that. Only while the socket is the process's one open socket
 * of this addon: another one could be what the awaited datagram depends on.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it and pages fault in on use */
#endif

/* Meta record layout: keep in step with src/transport/datagram-socket.ts. */
#define META_WORDS 8
#define META_OFFSET 0
#define META_LENGTH 1
#define META_ADDRESS 2
#define META_PORT 6
#define META_FLAGS 7
#define FLAG_TRUNCATED 1u

#define RECV_SLOTS_MAX 64      /* datagrams per recvmmsg call */
#define RECV_CALLS_PER_WAKE 16 /* recvmmsg calls per readiness event */
/* Datagrams the first recvmmsg of a wake-up reads, unless the previous wake-up left a backlog.
   The engine acknowledges a batch before the application sees it: a window read 16 first has
   those acknowledged while the rest is read, so the sender refills it meanwhile, as a C receiver
   reading one datagram at a time lets it. B3 (8 MiB, 30 transfers per pair, 4 pairs): median
   19.7-26.0 ms reading all at once, 15.5-18.5 ms so; 8 or 32 first did less. */
#define RECV_FIRST_SLOTS 16
#define SEND_MSGS 64           /* mmsghdr per sendmmsg call */
#define SEND_IOVS 1024         /* datagrams per sendmmsg call (GSO messages carry several) */
/* Datagrams per GSO message at most. A receiver reading with GRO gets each message as one record,
   so a whole 64 KiB ENet window sent as one message reached it only once all of it was queued:
   in trains of 16 it is woken by the first while the rest is being sent, and its acknowledgements
   of those free a third of the window early. B3 (8 MiB, two enet-ts processes, median of 9
   transfers after 3, alternated by hand): 13 of 15 rounds faster than trains of 64, mean of
   rounds 25.9 against 30.7 ms in a quiet hour and 33.3 against 38.1 in a noisy one; trains of 8,
   12, 24 or 32 in between. */
#define GSO_MAX_SEGMENTS 16
#define GSO_MAX_BYTES 65000 /* below IPv4's and IPv6's 64 KiB payload limits */
#define QUEUE_MAX_ENTRIES 4096
#define QUEUE_MAX_BYTES (4u << 20)
#define BUSY_POLL_BACKOFF_MAX 256 /* wake-ups a run of fruitless busy polls makes skip it, at most */

typedef union {
  struct sockaddr sa;
  struct sockaddr_in in4;
  struct sockaddr_in6 in6;
} addr_any;

typedef struct {
  addr_any addr;
  socklen_t addr_len;
  uint32_t offset;
  uint32_t length;
} queued_datagram;

typedef union {
  char buf[CMSG_SPACE(sizeof(uint16_t))];
  struct cmsghdr align;
} gso_control;

typedef union {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
} gro_control;

typedef struct {
  napi_env env;
  int fd;
  int family;
  int closing;
  int refs; /* the JS handle and the open socket each hold one */
  int gso_enabled;
  int gro_enabled;
  int backlogged; /* the last wake-up stopped at RECV_CALLS_PER_WAKE full batches */
  int poll_events;
  uv_poll_t poll;
  napi_ref callback;
  napi_ref data_ref;
  napi_ref meta_ref;
  napi_ref resource;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup_hook;

  uint8_t *recv_data;
  uint32_t *recv_meta;
  uint32_t slot_size;
  uint32_t slots;
  struct mmsghdr recv_msgs[RECV_SLOTS_MAX];
  struct iovec recv_iov[RECV_SLOTS_MAX];
  addr_any recv_addr[RECV_SLOTS_MAX];
  gro_control recv_control[RECV_SLOTS_MAX];

  struct mmsghdr send_msgs[SEND_MSGS];
  addr_any send_addr[SEND_MSGS];
  gso_control send_control[SEND_MSGS];
  uint32_t send_first[SEND_MSGS]; /* batch index of each message's first datagram */
  uint32_t send_count[SEND_MSGS]; /* datagrams in each message */
  struct iovec send_iov[SEND_IOVS];

  queued_datagram *queue;
  uint8_t *queue_data;
  uint32_t queue_head;
  uint32_t queue_tail;
  uint32_t queue_bytes;

  double sent_datagrams;
  double gso_messages;
  double queued_datagrams;
  double dropped_datagrams;
  double receive_errors;
  double gro_datagrams;
  uint32_t fail_sends; /* tests: bit k set = the k-th next sendmmsg call fails with EAGAIN */

  int64_t busy_poll_ns;   /* 0: off (see the top of this file) */
  int64_t idle_since;     /* when reading last stopped at an empty queue (ns), 0 = not since */
  int64_t last_gap;       /* ns from the queue going empty to the next datagram read */
  uint32_t busy_poll_skip;    /* wake-ups left that do not busy-poll */
  uint32_t busy_poll_backoff; /* what the next fruitless poll sets busy_poll_skip to (0: 1) */
  double busy_polls;
  double busy_poll_hits;
} udp_socket;

/* Sockets of this addon open in the process (any thread): busy polling needs it to be 1. */
static atomic_int open_sockets;

static int64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* sendmmsg, or the EAGAIN a test asked for (see failSends). */
static int send_messages(udp_socket *s, struct mmsghdr *messages, unsigned count) {
  uint32_t fail = s->fail_sends & 1u;
  s->fail_sends >>= 1;
  if (fail) {
    errno = EAGAIN;
    return -1;
  }
  return sendmmsg(s->fd, messages, count, MSG_DONTWAIT);
}

/* ---------- errors ---------- */

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  const char *name = uv_err_name(uv_translate_sys_error(err));
  char message[128];
  snprintf(message, sizeof message, "%s %s", syscall, name);
  napi_value code, msg, error, errno_value, syscall_value;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, -err, &errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

/* ---------- lifetime ---------- */

static void release(udp_socket *s) {
  if (--s->refs > 0) return;
  free(s->queue);
  free(s->queue_data);
  free(s);
}

static void on_handle_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release((udp_socket *)data);
}

static void on_poll_closed(uv_handle_t *handle) {
  udp_socket *s = (udp_socket *)handle->data;
  napi_env env = s->env;
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  napi_delete_reference(env, s->callback);
  napi_delete_reference(env, s->data_ref);
  napi_delete_reference(env, s->meta_ref);
  napi_delete_reference(env, s->resource);
  napi_async_destroy(env, s->async_context);
  napi_remove_async_cleanup_hook(s->cleanup_hook);
  release(s);
}

static void flush_queue(udp_socket *s);

/* Stops polling, sends what is queued (best effort), closes the fd; the rest goes in on_poll_closed. */
static void close_socket(udp_socket *s) {
  if (s->closing) return;
  s->closing = 1;
  atomic_fetch_sub(&open_sockets, 1);
  flush_queue(s);
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  /* uv_close has taken the fd out of epoll: close it now, so that the port is free at once. */
  close(s->fd);
  s->fd = -1;
}

static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  close_socket((udp_socket *)arg);
}

/* ---------- addresses ---------- */

static void address_to_meta(const addr_any *a, uint32_t *m) {
  if (a->sa.sa_family == AF_INET6) {
    for (int k = 0; k < 4; k++) {
      uint32_t word;
      memcpy(&word, &a->in6.sin6_addr.s6_addr[4 * k], 4);
      m[META_ADDRESS + k] = ntohl(word);
    }
    m[META_PORT] = ntohs(a->in6.sin6_port);
  } else if (a->sa.sa_family == AF_INET) {
    m[META_ADDRESS] = 0;
    m[META_ADDRESS + 1] = 0;
    m[META_ADDRESS + 2] = 0xffff;
    m[META_ADDRESS + 3] = ntohl(a->in4.sin_addr.s_addr);
    m[META_PORT] = ntohs(a->in4.sin_port);
  } else {
    memset(m + META_ADDRESS, 0, 5 * sizeof(uint32_t));
  }
}

/* The destination of a meta record for this socket's family; 0 when it cannot be reached. */
static int meta_to_address(const udp_socket *s, const uint32_t *m, addr_any *a, socklen_t *len) {
  memset(a, 0, sizeof *a);
  if (s->family == AF_INET6) {
    a->in6.sin6_family = AF_INET6;
    a->in6.sin6_port = htons((uint16_t)m[META_PORT]);
    for (int k = 0; k < 4; k++) {
      uint32_t word = htonl(m[META_ADDRESS + k]);
      memcpy(&a->in6.sin6_addr.s6_addr[4 * k], &word, 4);
    }
    *len = sizeof a->in6;
    return 1;
  }
  if (m[META_ADDRESS] != 0 || m[META_ADDRESS + 1] != 0 || m[META_ADDRESS + 2] != 0xffff) return 0;
  a->in4.sin_family = AF_INET;
  a->in4.sin_port = htons((uint16_t)m[META_PORT]);
  a->in4.sin_addr.s_addr = htonl(m[META_ADDRESS + 3]);
  *len = sizeof a->in4;
  return 1;
}

static int same_destination(const uint32_t *a, const uint32_t *b) {
  return a[META_ADDRESS] == b[META_ADDRESS] && a[META_ADDRESS + 1] == b[META_ADDRESS + 1] &&
         a[META_ADDRESS + 2] == b[META_ADDRESS + 2] && a[META_ADDRESS + 3] == b[META_ADDRESS + 3] &&
         a[META_PORT] == b[META_PORT];
}

/* ---------- poll ---------- */

static void on_poll(uv_poll_t *handle, int status, int events);

static void set_poll_events(udp_socket *s, int events) {
  if (s->closing || s->poll_events == events) return;
  s->poll_events = events;
  uv_poll_start(&s->poll, events, on_poll);
}

/* ---------- send queue (datagrams that met EAGAIN) ---------- */

static int queue_has_room(udp_socket *s, uint32_t length) {
  if (s->queue_tail < QUEUE_MAX_ENTRIES && s->queue_bytes + length <= QUEUE_MAX_BYTES) return 1;
  if (s->queue_head == 0) return 0;
  /* Compact: move the pending entries and their bytes to the front. */
  uint32_t pending = s->queue_tail - s->queue_head;
  uint32_t base = pending > 0 ? s->queue[s->queue_head].offset : s->queue_bytes;
  memmove(s->queue, s->queue + s->queue_head, pending * sizeof(queued_datagram));
  memmove(s->queue_data, s->queue_data + base, s->queue_bytes - base);
  for (uint32_t k = 0; k < pending; k++) s->queue[k].offset -= base;
  s->queue_head = 0;
  s->queue_tail = pending;
  s->queue_bytes -= base;
  return s->queue_tail < QUEUE_MAX_ENTRIES && s->queue_bytes + length <= QUEUE_MAX_BYTES;
}

/* Copies datagrams [from, count) of a batch into the queue; drops what does not fit. */
static void enqueue(udp_socket *s, const uint8_t *data, size_t data_len, const uint32_t *meta, uint32_t from, uint32_t count) {
  if (s->queue == NULL) {
    s->queue = malloc(QUEUE_MAX_ENTRIES * sizeof(queued_datagram));
    s->queue_data = malloc(QUEUE_MAX_BYTES);
    if (s->queue == NULL || s->queue_data == NULL) {
      free(s->queue);
      free(s->queue_data);
      s->queue = NULL;
      s->queue_data = NULL;
      s->dropped_datagrams += count - from;
      return;
    }
  }
  for (uint32_t i = from; i < count; i++) {
    const uint32_t *m = meta + (size_t)i * META_WORDS;
    uint32_t offset = m[META_OFFSET], length = m[META_LENGTH];
    queued_datagram *q;
    if ((size_t)offset + length > data_len || !queue_has_room(s, length)) goto drop;
    q = &s->queue[s->queue_tail];
    if (!meta_to_address(s, m, &q->addr, &q->addr_len)) goto drop;
    q->offset = s->queue_bytes;
    q->length = length;
    memcpy(s->queue_data + s->queue_bytes, data + offset, length);
    s->queue_bytes += length;
    s->queue_tail++;
    s->queued_datagrams++;
    continue;
  drop:
    s->dropped_datagrams++;
  }
  if (s->queue_tail > s->queue_head) set_poll_events(s, UV_READABLE | UV_WRITABLE);
}

/* Sends queued datagrams until the queue is empty or the socket is full again. */
static void flush_queue(udp_socket *s) {
  while (s->queue_head < s->queue_tail) {
    uint32_t n = s->queue_tail - s->queue_head;
    if (n > SEND_MSGS) n = SEND_MSGS;
    for (uint32_t k = 0; k < n; k++) {
      queued_datagram *q = &s->queue[s->queue_head + k];
      struct msghdr *h = &s->send_msgs[k].msg_hdr;
      s->send_iov[k].iov_base = s->queue_data + q->offset;
      s->send_iov[k].iov_len = q->length;
      memset(h, 0, sizeof *h);
      h->msg_name = &q->addr;
      h->msg_namelen = q->addr_len;
      h->msg_iov = &s->send_iov[k];
      h->msg_iovlen = 1;
    }
    int sent = send_messages(s, s->send_msgs, n);
    if (sent > 0) {
      s->queue_head += (uint32_t)sent;
      s->sent_datagrams += sent;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else if (errno != EINTR) {
      s->queue_head++; /* this datagram cannot be sent: lose it, as UDP may */
      s->dropped_datagrams++;
    }
  }
  s->queue_head = s->queue_tail = s->queue_bytes = 0;
  set_poll_events(s, UV_READABLE);
}

/* ---------- send ---------- */

static void send_batch(udp_socket *s, const uint8_t *data, size_t data_len, const uint32_t *meta, uint32_t count) {
  if (s->queue_tail > s->queue_head) { /* keep the order: behind what already waits */
    enqueue(s, data, data_len, meta, 0, count);
    return;
  }
  uint32_t i = 0;
  while (i < count) {
    uint32_t messages = 0, iovs = 0;
    while (i < count && messages < SEND_MSGS && iovs < SEND_IOVS) {
      const uint32_t *m = meta + (size_t)i * META_WORDS;
      uint32_t length = m[META_LENGTH];
      addr_any *addr = &s->send_addr[messages];
      socklen_t addr_len;
      if ((size_t)m[META_OFFSET] + length > data_len || !meta_to_address(s, m, addr, &addr_len)) {
        s->dropped_datagrams++;
        i++;
        continue;
      }
      uint32_t run = 1;
      size_t total = length;
      if (s->gso_enabled && length > 0) {
        while (i + run < count && run < GSO_MAX_SEGMENTS && iovs + run < SEND_IOVS) {
          const uint32_t *next = meta + (size_t)(i + run) * META_WORDS;
          uint32_t next_length = next[META_LENGTH];
          if (!same_destination(m, next) || next_length == 0 || next_length > length) break;
          if (total + next_length > GSO_MAX_BYTES || (size_t)next[META_OFFSET] + next_length > data_len) break;
          total += next_length;
          run++;
          if (next_length < length) break; /* only the last segment may be shorter */
        }
      }
      struct msghdr *h = &s->send_msgs[messages].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_name = addr;
      h->msg_namelen = addr_len;
      h->msg_iov = &s->send_iov[iovs];
      h->msg_iovlen = run;
      for (uint32_t k = 0; k < run; k++) {
        const uint32_t *d = meta + (size_t)(i + k) * META_WORDS;
        s->send_iov[iovs + k].iov_base = (void *)(data + d[META_OFFSET]);
        s->send_iov[iovs + k].iov_len = d[META_LENGTH];
      }
      if (run > 1) {
        h->msg_control = s->send_control[messages].buf;
        h->msg_controllen = sizeof s->send_control[messages].buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t segment = (uint16_t)length;
        memcpy(CMSG_DATA(c), &segment, sizeof segment);
      }
      s->send_first[messages] = i;
      s->send_count[messages] = run;
      messages++;
      iovs += run;
      i += run;
    }
    uint32_t k = 0;
    while (k < messages) {
      int sent = send_messages(s, s->send_msgs + k, messages - k);
      if (sent > 0) {
        for (uint32_t j = k; j < k + (uint32_t)sent; j++) {
          s->sent_datagrams += s->send_count[j];
          if (s->send_count[j] > 1) s->gso_messages++;
        }
        k += (uint32_t)sent;
        continue;
      }
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        enqueue(s, data, data_len, meta, s->send_first[k], count);
        return;
      }
      if (s->send_count[k] > 1 && (err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP)) {
        s->gso_enabled = 0; /* the kernel or the device refuses UDP_SEGMENT: plain sendmmsg from now on */
        i = s->send_first[k];
        break;
      }
      s->dropped_datagrams += s->send_count[k]; /* unreachable, refused, too big: lost like any UDP datagram */
      k++;
    }
  }
}

/* ---------- receive ---------- */

/* Calls the receive callback with `argument` in a callback scope of its own (closing it runs the
   microtasks and the process.nextTick queue). Returns the callback's result as a boolean, or -1
   when it threw (the exception is reported as uncaught). */
static int call_receive_callback(udp_socket *s, napi_value resource, napi_value callback, napi_value receiver,
                                 uint32_t argument) {
  napi_env env = s->env;
  napi_value arg, result = NULL;
  napi_callback_scope callback_scope;
  napi_create_uint32(env, argument, &arg);
  napi_open_callback_scope(env, resource, s->async_context, &callback_scope);
  napi_status status = napi_call_function(env, receiver, callback, 1, &arg, &result);
  bool again = false;
  if (status == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  } else if (status == napi_ok && result != NULL && napi_get_value_bool(env, result, &again) != napi_ok) {
    again = false;
  }
  napi_close_callback_scope(env, callback_scope);
  return status == napi_pending_exception ? -1 : again;
}

static void receive_batches(udp_socket *s) {
  napi_env env = s->env;
  napi_handle_scope handle_scope;
  napi_value resource, callback, undefined;
  if (napi_open_handle_scope(env, &handle_scope) != napi_ok) return;
  napi_get_reference_value(env, s->resource, &resource);
  napi_get_reference_value(env, s->callback, &callback);
  napi_get_undefined(env, &undefined);
  if (s->idle_since != 0) {
    s->last_gap = monotonic_ns() - s->idle_since;
    s->idle_since = 0;
  }
  int busy_poll = s->busy_poll_ns > 0 && s->busy_poll_skip == 0 && s->last_gap < 2 * s->busy_poll_ns &&
                  atomic_load(&open_sockets) == 1;
  if (s->busy_poll_skip > 0) s->busy_poll_skip--;
  int64_t empty_at = 0;   /* when this wake-up found the queue empty after handing out datagrams */
  int64_t poll_until = 0; /* the end of the busy poll that began then, 0 = none */
  int full_batches = 0;
  for (int calls = 0; calls < RECV_CALLS_PER_WAKE && !s->closing; calls++) {
    for (uint32_t k = 0; k < s->slots; k++) {
      s->recv_msgs[k].msg_hdr.msg_namelen = sizeof(addr_any);
      s->recv_msgs[k].msg_hdr.msg_flags = 0;
      if (s->gro_enabled) {
        s->recv_msgs[k].msg_hdr.msg_control = s->recv_control[k].buf;
        s->recv_msgs[k].msg_hdr.msg_controllen = sizeof s->recv_control[k].buf;
      }
    }
    uint32_t want = calls == 0 && !s->backlogged && s->slots > RECV_FIRST_SLOTS ? RECV_FIRST_SLOTS : s->slots;
    int n = recvmmsg(s->fd, s->recv_msgs, want, MSG_DONTWAIT, NULL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (s->busy_poll_ns == 0) break; /* no gaps to measure, no poll */
      int64_t now = monotonic_ns();
      if (empty_at == 0) {
        empty_at = now;
        if (busy_poll && calls > 0) {
          poll_until = now + s->busy_poll_ns;
          s->busy_polls++;
        }
      }
      if (now < poll_until) {
        sched_yield();
        calls--; /* polling for the next datagram is not a batch */
        continue;
      }
      if (poll_until != 0) {
        /* Nothing came: back off. */
        s->busy_poll_skip = s->busy_poll_backoff == 0 ? 1 : s->busy_poll_backoff;
        s->busy_poll_backoff = s->busy_poll_skip >= BUSY_POLL_BACKOFF_MAX ? BUSY_POLL_BACKOFF_MAX : 2 * s->busy_poll_skip;
      }
      s->idle_since = empty_at;
      break;
    }
    if (n < 0) {
      if (errno == EBADF) break;
      s->receive_errors++;
      continue; /* a datagram's error (ICMP-induced ECONNREFUSED and the like): skip it, keep draining */
    }
    if (n == 0) break;
    if (empty_at != 0) {
      s->last_gap = monotonic_ns() - empty_at;
      if (poll_until != 0) {
        s->busy_poll_hits++;
        s->busy_poll_backoff = 0;
        busy_poll = s->busy_poll_skip == 0 && atomic_load(&open_sockets) == 1;
      }
      empty_at = 0;
      poll_until = 0;
    }
    for (int k = 0; k < n; k++) {
      struct msghdr *h = &s->recv_msgs[k].msg_hdr;
      uint32_t *m = s->recv_meta + (size_t)k * META_WORDS;
      uint32_t length = s->recv_msgs[k].msg_len;
      m[META_OFFSET] = (uint32_t)k * s->slot_size;
      m[META_LENGTH] = length > s->slot_size ? s->slot_size : length;
      address_to_meta(&s->recv_addr[k], m);
      m[META_FLAGS] = (h->msg_flags & MSG_TRUNC) ? FLAG_TRUNCATED : 0;
      if (s->gro_enabled) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
          if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO) continue;
          int segment;
          memcpy(&segment, CMSG_DATA(c), sizeof segment);
          if (segment > 0 && segment <= 0xffff && m[META_LENGTH] > (uint32_t)segment) {
            m[META_FLAGS] |= (uint32_t)segment << 16; /* coalesced: JS splits it into segments */
            s->gro_datagrams += (m[META_LENGTH] + segment - 1) / segment;
          }
        }
      }
    }
    /* One callback scope per batch: closing it runs the microtasks and process.nextTick queue, so
       the application reacts to each batch (and the acks and replies go out) before the next is
       read, and what a batch queued does not pile up across the whole wake-up. */
    int called = call_receive_callback(s, resource, callback, undefined, (uint32_t)n);
    if (called > 0 && !s->closing) called = call_receive_callback(s, resource, callback, undefined, 0);
    if (called < 0) break;
    if ((uint32_t)n < want) {
      /* A short batch: the queue is empty (a busy poll learns so from its first read). */
      if (busy_poll) continue;
      if (s->busy_poll_ns > 0) s->idle_since = monotonic_ns();
      break;
    }
    full_batches++;
  }
  s->backlogged = full_batches == RECV_CALLS_PER_WAKE;
  napi_close_handle_scope(env, handle_scope);
}

static void report_poll_error(udp_socket *s, int status) {
  napi_env env = s->env;
  napi_handle_scope handle_scope;
  napi_value resource, callback, receiver, argument;
  if (napi_open_handle_scope(env, &handle_scope) != napi_ok) return;
  napi_get_reference_value(env, s->resource, &resource);
  napi_get_reference_value(env, s->callback, &callback);
  napi_get_undefined(env, &receiver);
  napi_create_int32(env, status, &argument); /* a negative libuv error code */
  napi_make_callback(env, s->async_context, receiver, callback, 1, &argument, NULL);
  napi_close_handle_scope(env, handle_scope);
}

/*
 * libuv stops a poll handle on POLLERR and reports UV_EBADF. On a UDP socket that means a
 * pending socket error (an ICMP error with IP_RECVERR, say): clear it, drain the error queue and
 * poll again. Returns 0 when the descriptor itself is bad.
 */
static int recover_from_socket_error(udp_socket *s) {
  int pending = 0;
  socklen_t len = sizeof pending;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &pending, &len) < 0) return 0;
  char scratch[256], control[512];
  for (int k = 0; k < 64; k++) {
    struct iovec iov = {scratch, sizeof scratch};
    struct msghdr h;
    memset(&h, 0, sizeof h);
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    if (recvmsg(s->fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    s->receive_errors++;
  }
  if (pending != 0) s->receive_errors++;
  int events = s->poll_events;
  s->poll_events = 0;
  set_poll_events(s, events);
  return 1;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  udp_socket *s = (udp_socket *)handle->data;
  if (s->closing) return;
  if (status < 0) {
    if (!recover_from_socket_error(s)) report_poll_error(s, status);
    return;
  }
  if (events & UV_WRITABLE) flush_queue(s);
  if ((events & UV_READABLE) && !s->closing) {
    /* Out of the event loop's epoll set while reading (and busy-polling): while it is in, every
       datagram queued to the socket runs epoll's wake-up callback in the sender's context (on
       loopback, the sending process's CPU), though this thread is not asleep. Back in before the
       loop next waits, unless the callback already put it back (a send that met EAGAIN). */
    int events_before = s->poll_events;
    uv_poll_stop(&s->poll);
    s->poll_events = 0;
    receive_batches(s);
    if (!s->closing && s->poll_events == 0) set_poll_events(s, events_before);
  }
}

/* ---------- JS functions ---------- */

static udp_socket *handle_arg(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) {
    throw_type(env, "expected a native socket handle");
    return NULL;
  }
  return (udp_socket *)data;
}

static int typed_array_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok || type != want) return 0;
  return 1;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 9) return throw_type(env, "open() takes 9 to 11 arguments");
  bool gro = false;
  if (argc >= 10) napi_get_value_bool(env, argv[9], &gro);
  uint32_t busy_poll_us = 0;
  if (argc >= 11 && napi_get_value_uint32(env, argv[10], &busy_poll_us) != napi_ok) busy_poll_us = 0;
  int32_t family, port, rcvbuf, sndbuf;
  uint32_t slot_size;
  char address[INET6_ADDRSTRLEN + 64];
  size_t address_len;
  void *data, *meta;
  size_t data_len, meta_len;
  napi_valuetype callback_type;
  if (napi_get_value_int32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6) ||
      napi_get_value_string_utf8(env, argv[1], address, sizeof address, &address_len) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || port < 0 || port > 65535 ||
      napi_get_value_int32(env, argv[3], &rcvbuf) != napi_ok || napi_get_value_int32(env, argv[4], &sndbuf) != napi_ok ||
      !typed_array_arg(env, argv[5], napi_uint8_array, &data, &data_len) ||
      !typed_array_arg(env, argv[6], napi_uint32_array, &meta, &meta_len) ||
      napi_get_value_uint32(env, argv[7], &slot_size) != napi_ok || slot_size == 0 ||
      napi_typeof(env, argv[8], &callback_type) != napi_ok || callback_type != napi_function)
    return throw_type(env, "open(family, address, port, rcvbuf, sndbuf, data: Uint8Array, meta: Uint32Array, slotSize, callback, gro?, busyPollUs?)");
  uint32_t slots = (uint32_t)(data_len / slot_size);
  if (slots > RECV_SLOTS_MAX) slots = RECV_SLOTS_MAX;
  if (slots == 0 || meta_len < (size_t)slots * META_WORDS) return throw_type(env, "receive buffers too small");

  struct addrinfo hints, *resolved = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family == 6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  if (getaddrinfo(address, NULL, &hints, &resolved) != 0 || resolved == NULL) return throw_errno(env, "getaddrinfo", EINVAL);
  addr_any bind_addr;
  memset(&bind_addr, 0, sizeof bind_addr);
  memcpy(&bind_addr, resolved->ai_addr, resolved->ai_addrlen);
  socklen_t bind_len = resolved->ai_addrlen;
  freeaddrinfo(resolved);
  if (family == 6) bind_addr.in6.sin6_port = htons((uint16_t)port);
  else bind_addr.in4.sin_port = htons((uint16_t)port);

  int fd = socket(hints.ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int zero = 0, one = 1;
  if (family == 6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (bind(fd, &bind_addr.sa, bind_len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }

  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    return throw_type(env, "no libuv loop");
  }
  udp_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->family = hints.ai_family;
  s->gso_enabled = 1;
  s->gro_enabled = gro && setsockopt(fd, SOL_UDP, UDP_GRO, &(int){1}, sizeof(int)) == 0;
  s->busy_poll_ns = (int64_t)busy_poll_us * 1000;
  s->last_gap = INT64_MAX;
  s->recv_data = data;
  s->recv_meta = meta;
  s->slot_size = slot_size;
  s->slots = slots;
  for (uint32_t k = 0; k < slots; k++) {
    s->recv_iov[k].iov_base = s->recv_data + (size_t)k * slot_size;
    s->recv_iov[k].iov_len = slot_size;
    s->recv_msgs[k].msg_hdr.msg_name = &s->recv_addr[k];
    s->recv_msgs[k].msg_hdr.msg_iov = &s->recv_iov[k];
    s->recv_msgs[k].msg_hdr.msg_iovlen = 1;
  }
  int status = uv_poll_init_socket(loop, &s->poll, fd);
  if (status < 0) {
    close(fd);
    free(s);
    return throw_errno(env, "uv_poll_init", -status);
  }
  s->poll.data = s;
  s->refs = 2;
  atomic_fetch_add(&open_sockets, 1);
  napi_value resource, name, handle;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "enet-ts:udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->async_context);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_reference(env, argv[8], 1, &s->callback);
  napi_create_reference(env, argv[5], 1, &s->data_ref);
  napi_create_reference(env, argv[6], 1, &s->meta_ref);
  napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->cleanup_hook);
  set_poll_events(s, UV_READABLE);
  napi_create_external(env, s, on_handle_finalized, NULL, &handle);
  return handle;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type(env, "send(handle, data, meta, count)");
  udp_socket *s = handle_arg(env, argv[0]);
  if (s == NULL) return NULL;
  void *data, *meta;
  size_t data_len, meta_len;
  uint32_t count;
  if (!typed_array_arg(env, argv[1], napi_uint8_array, &data, &data_len) ||
      !typed_array_arg(env, argv[2], napi_uint32_array, &meta, &meta_len) || napi_get_value_uint32(env, argv[3], &count) != napi_ok)
    return throw_type(env, "send(handle, data: Uint8Array, meta: Uint32Array, count)");
  if ((size_t)count * META_WORDS > meta_len) return throw_type(env, "count exceeds the meta records");
  if (!s->closing) send_batch(s, data, data_len, meta, count);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  udp_socket *s = argc < 1 ? NULL : handle_arg(env, argv[0]);
  if (s != NULL) close_socket(s);
  return NULL;
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  udp_socket *s = argc < 1 ? NULL : handle_arg(env, argv[0]);
  if (s == NULL) return NULL;
  addr_any a;
  socklen_t len = sizeof a;
  uint32_t port = 0;
  if (!s->closing && getsockname(s->fd, &a.sa, &len) == 0)
    port = ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
  napi_create_uint32(env, port, &result);
  return result;
}

static napi_value js_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  udp_socket *s = argc < 1 ? NULL : handle_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_create_int32(env, s->closing ? -1 : s->fd, &result);
  return result;
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  udp_socket *s = argc < 1 ? NULL : handle_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_create_object(env, &result);
  set_number(env, result, "sentDatagrams", s->sent_datagrams);
  set_number(env, result, "gsoMessages", s->gso_messages);
  set_number(env, result, "queuedDatagrams", s->queued_datagrams);
  set_number(env, result, "droppedDatagrams", s->dropped_datagrams);
  set_number(env, result, "queueLength", s->queue_tail - s->queue_head);
  set_number(env, result, "receiveErrors", s->receive_errors);
  set_number(env, result, "groDatagrams", s->gro_datagrams);
  set_number(env, result, "busyPolls", s->busy_polls);
  set_number(env, result, "busyPollHits", s->busy_poll_hits);
  napi_value gso;
  napi_get_boolean(env, s->gso_enabled, &gso);
  napi_set_named_property(env, result, "gsoEnabled", gso);
  napi_value gro;
  napi_get_boolean(env, s->gro_enabled, &gro);
  napi_set_named_property(env, result, "groEnabled", gro);
  return result;
}

/* The socket handle and the second argument of a (handle, value) call; NULL without two arguments. */
static udp_socket *handle_and_value(napi_env env, napi_callback_info info, napi_value *value) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return NULL;
  *value = argv[1];
  return handle_arg(env, argv[0]);
}

static napi_value js_set_gso(napi_env env, napi_callback_info info) {
  napi_value value;
  bool enabled;
  udp_socket *s = handle_and_value(env, info, &value);
  if (s == NULL) return NULL;
  if (napi_get_value_bool(env, value, &enabled) != napi_ok) return throw_type(env, "setGso(handle, enabled: boolean)");
  s->gso_enabled = enabled;
  return NULL;
}

static napi_value js_fail_sends(napi_env env, napi_callback_info info) {
  napi_value value;
  uint32_t mask;
  udp_socket *s = handle_and_value(env, info, &value);
  if (s == NULL) return NULL;
  if (napi_get_value_uint32(env, value, &mask) != napi_ok) return throw_type(env, "failSends(handle, mask: number)");
  s->fail_sends = mask;
  return NULL;
}

static napi_value js_receive_errors(napi_env env, napi_callback_info info) {
  napi_value value;
  bool enabled;
  udp_socket *s = handle_and_value(env, info, &value);
  if (s == NULL) return NULL;
  if (napi_get_value_bool(env, value, &enabled) != napi_ok) return throw_type(env, "receiveErrors(handle, enabled: boolean)");
  int on = enabled;
  if (setsockopt(s->fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on) < 0) return throw_errno(env, "setsockopt", errno);
  if (s->family == AF_INET6 && setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on) < 0)
    return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value js_broadcast_enabled(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return throw_type(env, "broadcastEnabled(fd)");
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &value, &len) < 0) return throw_errno(env, "getsockopt", errno);
  napi_get_boolean(env, value != 0, &result);
  return result;
}

/* ---------- large buffers ---------- */

#define LARGE_MAX (1u << 30)

/* The mapping behind one large ArrayBuffer: unmapped by whichever of the ArrayBuffer's finalizer
   and the thread faulting it in lets go last. */
typedef struct {
  uint8_t *start;
  size_t length;
  atomic_int holders;
} large_mapping;

static void release_mapping(large_mapping *m) {
  if (atomic_fetch_sub(&m->holders, 1) != 1) return;
  munmap(m->start, m->length);
  free(m);
}

/* Faults the whole mapping in, writable, without touching its bytes (the engine may be writing
   fragments into it meanwhile). */
static void *populate_mapping(void *arg) {
  large_mapping *m = arg;
  madvise(m->start, m->length, MADV_POPULATE_WRITE);
  release_mapping(m);
  return NULL;
}

static void finalize_large(napi_env env, void *data, void *hint) { release_mapping(hint); }

/*
 * An ArrayBuffer of `size` zeroed bytes in a mapping of its own that a detached thread faults in
 * while the caller goes on: in this VM a fresh page costs ~12 us when first written, 25 ms for an
 * 8 MiB packet filled fragment by fragment on the main thread. Small pages: a transparent huge
 * page stalled the first write into it for 5-12 ms in about one transfer in four (B3, 8 MiB),
 * small pages never over 0.6 ms. Unmapped when the ArrayBuffer is collected. Null when the
 * mapping fails.
 */
static napi_value js_allocate_large(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  double requested;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested >= 1) || requested > LARGE_MAX ||
      requested != (double)(size_t)requested)
    return throw_type(env, "allocateLarge(size: an integer from 1 to 2^30)");
  size_t size = (size_t)requested;
  size_t length = size; /* mmap and munmap round it up to whole pages */
  napi_get_null(env, &result);
  uint8_t *start = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (start == MAP_FAILED) return result;
  madvise(start, length, MADV_NOHUGEPAGE); /* where THP is "always" */
  large_mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(start, length);
    return result;
  }
  m->start = start;
  m->length = length;
  atomic_init(&m->holders, 2); /* the ArrayBuffer and the populating thread */
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, start, size, finalize_large, m, &buffer) != napi_ok) {
    munmap(start, length);
    free(m);
    return result;
  }
  pthread_t thread;
  pthread_attr_t attr;
  int started = 0;
  if (pthread_attr_init(&attr) == 0) {
    started = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 && pthread_create(&thread, &attr, populate_mapping, m) == 0;
    pthread_attr_destroy(&attr);
  }
  if (!started) release_mapping(m); /* no thread: the pages fault in as they are written */
  return buffer;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL},
      {"fd", NULL, js_fd, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"setGso", NULL, js_set_gso, NULL, NULL, NULL, napi_default, NULL},
      {"receiveErrors", NULL, js_receive_errors, NULL, NULL, NULL, napi_default, NULL},
      {"failSends", NULL, js_fail_sends, NULL, NULL, NULL, napi_default, NULL},
      {"broadcastEnabled", NULL, js_broadcast_enabled, NULL, NULL, NULL, napi_default, NULL},
      {"allocateLarge", NULL, js_allocate_large, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
