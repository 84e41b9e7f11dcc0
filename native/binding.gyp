{
  "targets": [
    {
      "target_name": "enet_udp",
      "sources": ["udp.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
