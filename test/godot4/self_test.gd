extends SceneTree
# Checks that this Godot build has ENet, all compression modes, Crypto and DTLS, and (optionally) writes a
# self-signed key + certificate for the DTLS tests. Run with this folder as the project:
#   godot4-headless --headless --path test/godot4 --script test/godot4/self_test.gd -- [--rsa-bits 2048] [--cn localhost]
#       [--write-key FILE --write-cert FILE]     (relative paths: from the caller's $PWD)
# Prints one JSON line {"ok":true|false,...}; exit code 0 when ok.

func _initialize():
	var o = {"--rsa-bits": "2048", "--cn": "localhost", "--write-key": "", "--write-cert": "", "--port": "0"}
	var a = OS.get_cmdline_user_args()
	for i in range(0, a.size() - 1, 2):
		o[a[i]] = a[i + 1]
	var r = {"godot": Engine.get_version_info()["string"], "steps": {}}
	var ok = true
	for c in ["ENetConnection", "ENetPacketPeer", "ENetMultiplayerPeer", "Crypto", "TLSOptions", "DTLSServer", "PacketPeerDTLS"]:
		r["steps"]["class " + c] = ClassDB.class_exists(c)
		ok = ok and ClassDB.class_exists(c)
	var conn = ENetConnection.new()
	var err = conn.create_host_bound("127.0.0.1", int(o["--port"]))
	r["steps"]["create_host_bound"] = error_string(err)
	ok = ok and err == OK
	if err == OK:
		r["port"] = conn.get_local_port()
		for m in [ENetConnection.COMPRESS_NONE, ENetConnection.COMPRESS_RANGE_CODER, ENetConnection.COMPRESS_FASTLZ, ENetConnection.COMPRESS_ZLIB, ENetConnection.COMPRESS_ZSTD]:
			conn.compress(m)  # prints an error if a mode is missing
		r["steps"]["compress all modes"] = true
		var crypto = Crypto.new()
		var t = Time.get_ticks_msec()
		var key = crypto.generate_rsa(int(o["--rsa-bits"]))
		var cert = crypto.generate_self_signed_certificate(key, "CN=%s,O=enet-ts test,C=US" % o["--cn"], "20200101000000", "20400101000000")
		r["steps"]["generate_rsa + self-signed cert ms"] = Time.get_ticks_msec() - t
		ok = ok and key != null and cert != null
		err = conn.dtls_server_setup(TLSOptions.server(key, cert))
		r["steps"]["dtls_server_setup"] = error_string(err)
		ok = ok and err == OK
		var cl = ENetConnection.new()
		cl.create_host(1)
		err = cl.dtls_client_setup(o["--cn"], TLSOptions.client(cert))
		r["steps"]["dtls_client_setup"] = error_string(err)
		ok = ok and err == OK
		cl.destroy()
		if o["--write-key"] != "":
			var pwd = OS.get_environment("PWD")
			var kp = o["--write-key"] if o["--write-key"].is_absolute_path() else pwd.path_join(o["--write-key"])
			var cp = o["--write-cert"] if o["--write-cert"].is_absolute_path() else pwd.path_join(o["--write-cert"])
			var e1 = key.save(kp)
			var e2 = cert.save(cp)
			r["steps"]["write key/cert"] = [error_string(e1), error_string(e2)]
			ok = ok and e1 == OK and e2 == OK
		conn.destroy()
	r["ok"] = ok
	print(JSON.stringify(r))
	quit(0 if ok else 1)
