/*
 * mbedTLS (Godot's TLS library) DTLS 1.2 peer for enet-ts tests, against Debian's libmbedtls 2.28.
 *   dtls_mbedtls_peer server CERT KEY        : prints "PORT n", handshakes with one client (cookies
 *                                              on), prints "HANDSHAKE OK <suite>", echoes one record
 *                                              as "echo: <data>", prints "GOT <data>".
 *   dtls_mbedtls_peer client PORT CA HOSTNAME : verifies the chain and host name, prints
 *                                              "HANDSHAKE OK <suite>" or "HANDSHAKE FAILED <reason>",
 *                                              sends "hello from mbedtls", prints "GOT <reply>".
 * Gives up after 10 s.
 */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/timing.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fail(const char *what, int ret) {
  char buf[200];
  mbedtls_strerror(ret, buf, sizeof buf);
  printf("HANDSHAKE FAILED %s: %s (-0x%04x)\n", what, buf, (unsigned)-ret);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  alarm(10);
  int server = !strcmp(argv[1], "server");
  mbedtls_net_context listen_fd, fd;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert, ca;
  mbedtls_pk_context key;
  mbedtls_timing_delay_context timer;
  mbedtls_ssl_cookie_ctx cookie;
  mbedtls_net_init(&listen_fd);
  mbedtls_net_init(&fd);
  mbedtls_ssl_init(&ssl);
  mbedtls_ssl_config_init(&conf);
  mbedtls_x509_crt_init(&cert);
  mbedtls_x509_crt_init(&ca);
  mbedtls_pk_init(&key);
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ssl_cookie_init(&cookie);
  int ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0);
  if (ret) return fail("drbg", ret), 1;
  ret = mbedtls_ssl_config_defaults(&conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret) return fail("config", ret), 1;
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  if (server) {
    if ((ret = mbedtls_x509_crt_parse_file(&cert, argv[2])) || (ret = mbedtls_pk_parse_keyfile(&key, argv[3], NULL)))
      return fail("server credentials", ret), 1;
    mbedtls_ssl_conf_own_cert(&conf, &cert, &key);
    if ((ret = mbedtls_ssl_cookie_setup(&cookie, mbedtls_ctr_drbg_random, &drbg))) return fail("cookie", ret), 1;
    mbedtls_ssl_conf_dtls_cookies(&conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &cookie);
    if ((ret = mbedtls_net_bind(&listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_UDP))) return fail("bind", ret), 1;
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    getsockname(listen_fd.fd, (struct sockaddr *)&sin, &len);
    printf("PORT %d\n", ntohs(sin.sin_port));
    fflush(stdout);
  } else {
    if ((ret = mbedtls_x509_crt_parse_file(&ca, argv[3]))) return fail("ca", ret), 1;
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  }
  if ((ret = mbedtls_ssl_setup(&ssl, &conf))) return fail("setup", ret), 1;
  mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
  if (server) {
    for (;;) {
      unsigned char ip[16];
      size_t ip_len;
      mbedtls_net_free(&fd);
      mbedtls_ssl_session_reset(&ssl);
      if ((ret = mbedtls_net_accept(&listen_fd, &fd, ip, sizeof ip, &ip_len))) return fail("accept", ret), 1;
      mbedtls_ssl_set_client_transport_id(&ssl, ip, ip_len);
      mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
      do ret = mbedtls_ssl_handshake(&ssl);
      while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
      if (ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) continue;
      break;
    }
  } else {
    if ((ret = mbedtls_net_connect(&fd, "127.0.0.1", argv[2], MBEDTLS_NET_PROTO_UDP))) return fail("connect", ret), 1;
    if ((ret = mbedtls_ssl_set_hostname(&ssl, argv[4]))) return fail("hostname", ret), 1;
    mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    do ret = mbedtls_ssl_handshake(&ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  }
  if (ret) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    char vbuf[256] = "";
    if (flags && flags != (uint32_t)-1) mbedtls_x509_crt_verify_info(vbuf, sizeof vbuf, "", flags);
    fail(vbuf[0] ? vbuf : "handshake", ret);
    return 1;
  }
  printf("HANDSHAKE OK %s\n", mbedtls_ssl_get_ciphersuite(&ssl));
  fflush(stdout);
  unsigned char buf[2048];
  if (server) {
    do ret = mbedtls_ssl_read(&ssl, buf, sizeof buf - 1);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret <= 0) return fail("read", ret), 1;
    buf[ret] = 0;
    printf("GOT %s\n", buf);
    fflush(stdout);
    char reply[2100];
    int n = snprintf(reply, sizeof reply, "echo: %s", buf);
    mbedtls_ssl_write(&ssl, (unsigned char *)reply, (size_t)n);
    usleep(200000);
  } else {
    const char *msg = "hello from mbedtls";
    mbedtls_ssl_write(&ssl, (const unsigned char *)msg, strlen(msg));
    do ret = mbedtls_ssl_read(&ssl, buf, sizeof buf - 1);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_TIMEOUT);
    if (ret <= 0) return fail("read", ret), 1;
    buf[ret] = 0;
    printf("GOT %s\n", buf);
    fflush(stdout);
  }
  mbedtls_ssl_close_notify(&ssl);
  return 0;
}
