extends SceneTree
# Godot 4 ENetConnection echo client: connects to an echo server (echo_server.gd, enet-ts, C ENet), sends
# reliable and unreliable packets, checks every echo byte for byte, disconnects. Run with this folder as the project:
#   godot4-headless --headless --path test/godot4 --script test/godot4/echo_client.gd -- --port 17500 --compression ZSTD
# Options (after "--"):
#   --host H (127.0.0.1)  --port P (17500)  --compression NONE|RANGE_CODER|FASTLZ|ZLIB|ZSTD (NONE)
#   --dtls-hostname H --dtls-ca FILE   DTLS, verifying the server certificate against FILE (PEM) and name H
#   --dtls-unsafe                      DTLS without any verification (TLSOptions.client_unsafe(); on Godot 4.3.0,
#                                      whose client_unsafe() without a chain still verifies, a throwaway chain is
#                                      passed). With --dtls-ca too: client_unsafe(ca) (4.3.0: verifies nothing;
#                                      later versions: the chain but not the name)
#                                      (FILE paths relative to the caller's $PWD; --path changes the cwd)
#   --channels N (4)       channels asked for; packets go round-robin over them
#   --count N (40)         reliable packets (sizes 6 B .. 65535 B, plus exactly one of 100000 B)
#   --unreliable N (12)    unreliable packets, cycling: plain unreliable (flags 0), UNSEQUENCED, and
#                          UNRELIABLE_FRAGMENT (3000 B) -- loss-tolerant: missing ones are only counted
#   --connect-data D (42)  --disconnect-data D (7)
#   --seconds S (30)       hard time limit for the whole run
#   --connect-timeout S (10)  --grace-ms MS (1000: wait for unreliable echoes after the last reliable one)
# Every packet starts with 0xE7, the send flags, and the packet id (u32 little endian); the rest is random
# bytes, repeated text or zeros (so every compression mode has something to compress). Echoes must come back
# on the same channel, byte for byte, reliable ones exactly once and in order per channel.
# Output: {"event":"connect",...} and, last, {"summary":{...},"ok":true|false,"reason":"..."}.
# Exit code 0 when every reliable echo matched, no echo was corrupt, wrong-channel or duplicated, and the
# DISCONNECT was acknowledged; 1 otherwise.

const MODES = {
	"NONE": ENetConnection.COMPRESS_NONE,
	"RANGE_CODER": ENetConnection.COMPRESS_RANGE_CODER,
	"FASTLZ": ENetConnection.COMPRESS_FASTLZ,
	"ZLIB": ENetConnection.COMPRESS_ZLIB,
	"ZSTD": ENetConnection.COMPRESS_ZSTD,
}
const MARKER = 0xE7
const SIZES = [6, 7, 64, 200, 511, 1000, 1200, 1380, 1392, 1400, 2000, 3000, 4096, 5000, 10000, 16384, 33000, 65535]
const BIG = 100000
const TEXT = "The quick brown fox jumps over the lazy dog; ENet echo test 0123456789. "

var opt = {
	"--host": "127.0.0.1", "--port": "17500", "--compression": "NONE", "--dtls-hostname": "", "--dtls-ca": "",
	"--channels": "4", "--count": "40", "--unreliable": "12", "--connect-data": "42", "--disconnect-data": "7",
	"--seconds": "30", "--connect-timeout": "10", "--grace-ms": "1000",
}
var switches = {}
var crypto = Crypto.new()


func _initialize():
	quit(_run())


func _parse_args() -> String:
	var a = OS.get_cmdline_user_args()
	var i = 0
	while i < a.size():
		var k = a[i]
		if k == "--dtls-unsafe":
			switches[k] = true
		elif opt.has(k) and i + 1 < a.size():
			opt[k] = a[i + 1]
			i += 1
		else:
			return "unknown or incomplete option " + k
		i += 1
	return ""


func _abs(p: String) -> String:
	if p == "" or p.is_absolute_path():
		return p
	var pwd = OS.get_environment("PWD")
	return pwd.path_join(p) if pwd != "" else p


func _out(d):
	print(JSON.stringify(d))


func _make(id: int, flags: int, size: int, style: int) -> PackedByteArray:
	var b: PackedByteArray
	if style == 0:
		b = crypto.generate_random_bytes(size)
	elif style == 1:
		b = TEXT.repeat(size / TEXT.length() + 1).to_utf8_buffer().slice(0, size)
	else:
		b = PackedByteArray()
		b.resize(size)
		b.fill(0)
	b[0] = MARKER
	b[1] = flags
	b.encode_u32(2, id)
	return b


func _run() -> int:
	var t0 = Time.get_ticks_msec()
	var s = {
		"connected": false, "connect_ms": -1, "reliable_sent": 0, "reliable_ok": 0, "unreliable_sent": 0,
		"unreliable_ok": 0, "bytes_sent": 0, "bytes_ok": 0, "mismatched": 0, "wrong_channel": 0, "wrong_flags": 0,
		"duplicates": 0, "out_of_order": 0, "unknown": 0, "disconnect_acked": false, "server_disconnect_data": null,
		"errors": 0, "problems": [],
	}
	var result = func(ok: bool, reason: String) -> int:
		s["elapsed_ms"] = Time.get_ticks_msec() - t0
		s["compression"] = opt["--compression"].to_upper()
		s["dtls"] = opt["--dtls-hostname"] != "" or opt["--dtls-ca"] != "" or switches.has("--dtls-unsafe")
		s["godot"] = Engine.get_version_info()["string"]
		_out({"summary": s, "ok": ok, "reason": reason})
		return 0 if ok else 1

	var perr = _parse_args()
	if perr != "":
		return result.call(false, perr)
	var mode = opt["--compression"].to_upper()
	if not MODES.has(mode):
		return result.call(false, "bad --compression " + mode)
	var channels = maxi(1, int(opt["--channels"]))
	var deadline = t0 + int(float(opt["--seconds"]) * 1000.0)
	var conn = ENetConnection.new()
	var err = conn.create_host(1, channels)
	if err != OK:
		return result.call(false, "create_host failed: " + error_string(err))
	conn.compress(MODES[mode])
	if s_dtls(switches, opt):
		var tls: TLSOptions
		if opt["--dtls-ca"] != "":
			var ca = X509Certificate.new()
			err = ca.load(_abs(opt["--dtls-ca"]))
			if err != OK:
				return result.call(false, "cannot load --dtls-ca: " + error_string(err))
			tls = TLSOptions.client_unsafe(ca) if switches.has("--dtls-unsafe") else TLSOptions.client(ca)
		elif switches.has("--dtls-unsafe"):
			var vi = Engine.get_version_info()
			if vi["major"] == 4 and vi["minor"] == 3 and vi["patch"] == 0:
				# Godot 4.3.0 bug (godotengine/godot#96170, fixed by PR #96172): client_unsafe() without a chain still
				# verifies against the built-in roots, and with any chain it verifies nothing. So pass a throwaway
				# certificate to get what --dtls-unsafe means: no verification at all.
				var k = crypto.generate_rsa(1024)
				tls = TLSOptions.client_unsafe(crypto.generate_self_signed_certificate(k, "CN=unused"))
			else:
				tls = TLSOptions.client_unsafe()
		else:
			tls = TLSOptions.client()
		var hn = opt["--dtls-hostname"] if opt["--dtls-hostname"] != "" else opt["--host"]
		err = conn.dtls_client_setup(hn, tls)
		if err != OK:
			return result.call(false, "dtls_client_setup failed: " + error_string(err))
	var peer = conn.connect_to_host(opt["--host"], int(opt["--port"]), channels, int(opt["--connect-data"]))
	if peer == null:
		return result.call(false, "connect_to_host returned null")

	# 1. Wait for CONNECT.
	var connect_deadline = mini(deadline, t0 + int(float(opt["--connect-timeout"]) * 1000.0))
	while Time.get_ticks_msec() < connect_deadline and not s["connected"]:
		var ev = conn.service(10)
		if ev[0] == ENetConnection.EVENT_CONNECT:
			s["connected"] = true
			s["connect_ms"] = Time.get_ticks_msec() - t0
			_out({"event": "connect", "peer": "%s:%d" % [peer.get_remote_address(), peer.get_remote_port()],
				"channels": peer.get_channels()})
		elif ev[0] == ENetConnection.EVENT_DISCONNECT:
			conn.destroy()
			return result.call(false, "disconnected before CONNECT (data %d): refused, DTLS failure or compression mismatch?" % ev[2])
		elif ev[0] == ENetConnection.EVENT_ERROR:
			conn.destroy()
			return result.call(false, "service error before CONNECT (DTLS handshake failure?)")
	if not s["connected"]:
		conn.destroy()
		return result.call(false, "no CONNECT within %s s" % opt["--connect-timeout"])

	# 2. Send everything: reliable packets, with an unreliable one after every third reliable one.
	var n = maxi(0, int(opt["--count"]))
	var nu = maxi(0, int(opt["--unreliable"]))
	var sent = {}  # id -> [bytes, channel, flags]
	var expect_reliable = {}  # channel -> [ids in send order]
	var next_id = 1
	var u_i = 0
	var big_at = n / 2
	for i in range(n):
		var size = BIG if i == big_at else SIZES[i % SIZES.size()]
		var ch = i % channels
		var pkt = _make(next_id, ENetPacketPeer.FLAG_RELIABLE, size, i % 3)
		err = peer.send(ch, pkt, ENetPacketPeer.FLAG_RELIABLE)
		if err != OK:
			s["problems"].append("send reliable id %d failed: %s" % [next_id, error_string(err)])
		sent[next_id] = [pkt, ch, ENetPacketPeer.FLAG_RELIABLE]
		expect_reliable[ch] = expect_reliable.get(ch, []) + [next_id]
		s["reliable_sent"] += 1
		s["bytes_sent"] += size
		next_id += 1
		if (i % 3 == 2 or i == n - 1) and u_i < nu:
			var kinds = [0, ENetPacketPeer.FLAG_UNSEQUENCED, ENetPacketPeer.FLAG_UNRELIABLE_FRAGMENT]
			var uf = kinds[u_i % 3]
			var usize = 3000 if uf == ENetPacketPeer.FLAG_UNRELIABLE_FRAGMENT else [20, 300, 1000][(u_i / 3) % 3]
			var uch = u_i % channels
			var upkt = _make(next_id, uf, usize, (u_i + 1) % 3)
			err = peer.send(uch, upkt, uf)
			if err != OK:
				s["problems"].append("send unreliable id %d failed: %s" % [next_id, error_string(err)])
			sent[next_id] = [upkt, uch, uf]
			s["unreliable_sent"] += 1
			s["bytes_sent"] += usize
			next_id += 1
			u_i += 1
	while u_i < nu:  # --count smaller than needed to interleave them all
		var upkt2 = _make(next_id, 0, 100, 1)
		peer.send(u_i % channels, upkt2, 0)
		sent[next_id] = [upkt2, u_i % channels, 0]
		s["unreliable_sent"] += 1
		s["bytes_sent"] += 100
		next_id += 1
		u_i += 1
	conn.flush()

	# 3. Collect echoes.
	var has_flags = ClassDB.class_has_method("ENetPacketPeer", "get_packet_flags")
	var got = {}
	var pos = {}  # channel -> index into expect_reliable[channel]
	var reliable_done_at = -1
	var grace = int(opt["--grace-ms"])
	var lost_peer = false
	while Time.get_ticks_msec() < deadline:
		if s["reliable_ok"] == s["reliable_sent"]:
			if reliable_done_at < 0:
				reliable_done_at = Time.get_ticks_msec()
			if s["unreliable_ok"] == s["unreliable_sent"] or Time.get_ticks_msec() - reliable_done_at > grace:
				break
		var ev = conn.service(10)
		while ev[0] != ENetConnection.EVENT_NONE:
			if ev[0] == ENetConnection.EVENT_RECEIVE:
				var eflags = peer.call("get_packet_flags") & 0x0B if has_flags else -1
				var pkt = peer.get_packet()
				var ch = ev[3]
				if pkt.size() < 6 or pkt[0] != MARKER or not sent.has(pkt.decode_u32(2)):
					s["unknown"] += 1
					if s["problems"].size() < 10:
						s["problems"].append("unknown echo: %d bytes on channel %d, head %s" % [pkt.size(), ch, pkt.slice(0, 8).hex_encode()])
				else:
					var id = pkt.decode_u32(2)
					var want = sent[id]
					if got.has(id):
						s["duplicates"] += 1
					elif pkt != want[0]:
						s["mismatched"] += 1
						if s["problems"].size() < 10:
							s["problems"].append("id %d: echo differs (%d bytes, sent %d)" % [id, pkt.size(), want[0].size()])
					elif ch != want[1]:
						s["wrong_channel"] += 1
						if s["problems"].size() < 10:
							s["problems"].append("id %d: echo on channel %d, sent on %d" % [id, ch, want[1]])
					else:
						got[id] = true
						if eflags >= 0 and eflags != want[2]:
							s["wrong_flags"] += 1
							if s["problems"].size() < 10:
								s["problems"].append("id %d: echo flags %d, sent %d" % [id, eflags, want[2]])
						if want[2] == ENetPacketPeer.FLAG_RELIABLE:
							var p = pos.get(ch, 0)
							if expect_reliable[ch][p] != id:
								s["out_of_order"] += 1
								if s["problems"].size() < 10:
									s["problems"].append("channel %d: reliable echo id %d, expected %d" % [ch, id, expect_reliable[ch][p]])
							pos[ch] = p + 1
							s["reliable_ok"] += 1
						else:
							s["unreliable_ok"] += 1
						s["bytes_ok"] += pkt.size()
			elif ev[0] == ENetConnection.EVENT_DISCONNECT:
				s["server_disconnect_data"] = ev[2]
				lost_peer = true
				break
			elif ev[0] == ENetConnection.EVENT_ERROR:
				s["errors"] += 1
				if s["errors"] > 100:
					break
			ev = conn.service(0)
		if lost_peer or s["errors"] > 100:
			break

	# 4. Disconnect with data and wait for the acknowledgement.
	if not lost_peer:
		peer.peer_disconnect(int(opt["--disconnect-data"]))
		var dl = mini(deadline + 3000, Time.get_ticks_msec() + 3000)
		while Time.get_ticks_msec() < dl and not s["disconnect_acked"]:
			var ev = conn.service(10)
			if ev[0] == ENetConnection.EVENT_DISCONNECT:
				s["disconnect_acked"] = true
	conn.destroy()

	var reasons = []
	if lost_peer:
		reasons.append("server disconnected us (data %s)" % str(s["server_disconnect_data"]))
	if s["reliable_ok"] != s["reliable_sent"]:
		reasons.append("%d of %d reliable echoes missing" % [s["reliable_sent"] - s["reliable_ok"], s["reliable_sent"]])
	for k in ["mismatched", "wrong_channel", "wrong_flags", "duplicates", "out_of_order", "unknown"]:
		if s[k] > 0:
			reasons.append("%s=%d" % [k, s[k]])
	if not s["disconnect_acked"] and not lost_peer:
		reasons.append("DISCONNECT not acknowledged")
	return result.call(reasons.is_empty(), "; ".join(reasons))


func s_dtls(sw: Dictionary, o: Dictionary) -> bool:
	return o["--dtls-hostname"] != "" or o["--dtls-ca"] != "" or sw.has("--dtls-unsafe")
