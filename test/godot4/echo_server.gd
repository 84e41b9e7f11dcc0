extends SceneTree
# Godot 4 ENetConnection echo server: a real Godot 4 ENet peer for interop tests (plain ENetConnection /
# ENetPacketPeer, no ENetMultiplayerPeer framing). Run with this folder as the project (a template build needs
# project.godot):
#   godot4-headless --headless --path test/godot4 --script test/godot4/echo_server.gd -- --port 0 --compression ZSTD
# (A copy of the peer folder's echo_server.gd, changed only so that --port 0 works: the first line gives the port
# actually bound.)
# Options (after "--"):
#   --port P (17500; 0 = a free port)  --bind ADDR (127.0.0.1; "*" = all)   --max-peers N (32)
#   --channels N (0 = ENet's maximum, 255)
#   --compression NONE|RANGE_CODER|FASTLZ|ZLIB|ZSTD (NONE)
#   --dtls-key FILE --dtls-cert FILE   serve DTLS (PEM files; relative paths are taken from the caller's $PWD,
#                                      since --path changes the working directory)
#   --seconds S (30)            hard time limit; the server always exits by then
#   --exit-after-disconnects N  exit after N DISCONNECT events (0 = only at --seconds)
#   --quiet-receive             no line per received packet (counts still in the summary)
# Output: one JSON object per line on stdout.
#   first line: {"listening":P} (the port bound)
#   {"event":"connect","peer":"ip:port","data":D}
#   {"event":"receive","peer":"ip:port","channel":C,"size":N,"flags":F,"flags_from":"enet|payload|default","head":"hex"}
#   {"event":"disconnect","peer":"ip:port","data":D}
#   last line: {"summary":{...},"ok":true|false,"exit_reason":"disconnects|timeout|error: ..."}
# Echo rule: every packet goes back to its sender on the same channel with the same ENet flags
# (RELIABLE=1, UNSEQUENCED=2, UNRELIABLE_FRAGMENT=8). Godot >= 4.4 reads them with
# ENetPacketPeer.get_packet_flags(). Godot 4.3 cannot read the flags of a received packet, so there the flags
# come from the payload when it starts with the test clients' marker 0xE7 (byte 1 = the flags the client sent
# with); any other packet is echoed RELIABLE ("flags_from" says which rule applied).
# Exit code: 0 unless the host could not be created or DTLS could not be set up.

const MODES = {
	"NONE": ENetConnection.COMPRESS_NONE,
	"RANGE_CODER": ENetConnection.COMPRESS_RANGE_CODER,
	"FASTLZ": ENetConnection.COMPRESS_FASTLZ,
	"ZLIB": ENetConnection.COMPRESS_ZLIB,
	"ZSTD": ENetConnection.COMPRESS_ZSTD,
}
const FLAG_MASK = 0x0B  # RELIABLE | UNSEQUENCED | UNRELIABLE_FRAGMENT
const MARKER = 0xE7

var opt = {
	"--port": "17500", "--bind": "127.0.0.1", "--max-peers": "32", "--channels": "0", "--compression": "NONE",
	"--dtls-key": "", "--dtls-cert": "", "--seconds": "30", "--exit-after-disconnects": "0",
}
var switches = {}
var st = {
	"connects": 0, "disconnects": 0, "packets": 0, "bytes": 0, "echoed": 0, "echo_errors": 0, "errors": 0,
	"by_channel": {}, "by_flags": {}, "connect_data": [], "disconnect_data": [],
}
var names = {}  # peer instance id -> "ip:port" (Godot clears the peer's address at disconnect)


func _initialize():
	quit(_run())


func _parse_args() -> String:
	var a = OS.get_cmdline_user_args()
	var i = 0
	while i < a.size():
		var k = a[i]
		if k == "--quiet-receive":
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


func _hex(b: PackedByteArray, n: int) -> String:
	return b.slice(0, mini(n, b.size())).hex_encode()


func _finish(reason: String, ok: bool, t0: int) -> int:
	st["elapsed_ms"] = Time.get_ticks_msec() - t0
	st["compression"] = opt["--compression"].to_upper()
	st["dtls"] = opt["--dtls-key"] != ""
	st["port"] = st.get("port", int(opt["--port"]))
	st["godot"] = Engine.get_version_info()["string"]
	_out({"summary": st, "ok": ok, "exit_reason": reason})
	return 0 if ok else 1


func _run() -> int:
	var t0 = Time.get_ticks_msec()
	var perr = _parse_args()
	if perr != "":
		return _finish("error: " + perr, false, t0)
	var mode = opt["--compression"].to_upper()
	if not MODES.has(mode):
		return _finish("error: bad --compression " + mode, false, t0)
	var conn = ENetConnection.new()
	var port = int(opt["--port"])
	var err = conn.create_host_bound(opt["--bind"], port, int(opt["--max-peers"]), int(opt["--channels"]))
	if err != OK:
		return _finish("error: create_host_bound %s:%d failed: %s" % [opt["--bind"], port, error_string(err)], false, t0)
	conn.compress(MODES[mode])
	if opt["--dtls-key"] != "" or opt["--dtls-cert"] != "":
		var key = CryptoKey.new()
		var cert = X509Certificate.new()
		var e1 = key.load(_abs(opt["--dtls-key"]))
		var e2 = cert.load(_abs(opt["--dtls-cert"]))
		if e1 != OK or e2 != OK:
			conn.destroy()
			return _finish("error: cannot load --dtls-key/--dtls-cert (%s, %s)" % [error_string(e1), error_string(e2)], false, t0)
		err = conn.dtls_server_setup(TLSOptions.server(key, cert))
		if err != OK:
			conn.destroy()
			return _finish("error: dtls_server_setup failed: " + error_string(err), false, t0)
	port = conn.get_local_port()
	st["port"] = port
	_out({"listening": port})

	var has_flags = ClassDB.class_has_method("ENetPacketPeer", "get_packet_flags")
	var quiet = switches.has("--quiet-receive")
	var exit_after = int(opt["--exit-after-disconnects"])
	var deadline = t0 + int(float(opt["--seconds"]) * 1000.0)
	var reason = "timeout"
	var stop = false
	while not stop and Time.get_ticks_msec() < deadline:
		var ev = conn.service(10)
		while ev[0] != ENetConnection.EVENT_NONE:
			var peer = ev[1]
			var t = ev[0]
			if t == ENetConnection.EVENT_CONNECT:
				var pname = "%s:%d" % [peer.get_remote_address(), peer.get_remote_port()]
				names[peer.get_instance_id()] = pname
				st["connects"] += 1
				if st["connect_data"].size() < 64:
					st["connect_data"].append(ev[2])
				_out({"event": "connect", "peer": pname, "data": ev[2]})
			elif t == ENetConnection.EVENT_RECEIVE:
				var ch = ev[3]
				var flags = -1
				var src = "enet"
				if has_flags:
					flags = peer.call("get_packet_flags") & FLAG_MASK
				var pkt = peer.get_packet()
				if flags < 0:
					if pkt.size() >= 2 and pkt[0] == MARKER:
						flags = pkt[1] & FLAG_MASK
						src = "payload"
					else:
						flags = ENetPacketPeer.FLAG_RELIABLE
						src = "default"
				st["packets"] += 1
				st["bytes"] += pkt.size()
				st["by_channel"][str(ch)] = st["by_channel"].get(str(ch), 0) + 1
				st["by_flags"][str(flags)] = st["by_flags"].get(str(flags), 0) + 1
				if not quiet:
					_out({"event": "receive", "peer": names.get(peer.get_instance_id(), "?"), "channel": ch,
						"size": pkt.size(), "flags": flags, "flags_from": src, "head": _hex(pkt, 8)})
				if peer.send(ch, pkt, flags) == OK:
					st["echoed"] += 1
				else:
					st["echo_errors"] += 1
			elif t == ENetConnection.EVENT_DISCONNECT:
				st["disconnects"] += 1
				if st["disconnect_data"].size() < 64:
					st["disconnect_data"].append(ev[2])
				_out({"event": "disconnect", "peer": names.get(peer.get_instance_id(), "?"), "data": ev[2]})
				names.erase(peer.get_instance_id())
				if exit_after > 0 and st["disconnects"] >= exit_after:
					reason = "disconnects"
					stop = true
			elif t == ENetConnection.EVENT_ERROR:
				st["errors"] += 1
				_out({"event": "error"})
				if st["errors"] >= 100:
					reason = "error: 100 service errors"
					stop = true
			if stop:
				break
			ev = conn.service(0)
	conn.flush()
	conn.destroy()
	return _finish(reason, not reason.begins_with("error"), t0)
