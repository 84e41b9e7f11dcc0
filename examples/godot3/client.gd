# A Godot 3.2 client for examples/godot3/server.mjs (the same script the interop tests run): it
# connects, sends reliable packets of varied sizes and content and unreliable ones, and checks that
# the reliable ones come back intact and in order.
# Usage: godot3-server --no-window -s examples/godot3/client.gd --port=N --compress=MODE
extends SceneTree

var peer = null
var expected = []
var reliable_ok = 0
var unreliable_back = 0
var sizes = [1, 16, 100, 1000, 1300, 5000, 20000]
var deadline = 0
var reliable_done_at = 0
var next_unreliable = 0
var unreliable_sent = 0

func payload(i, size):
	var b = PoolByteArray()
	b.resize(size)
	var kind = i % 3
	var x = i * 7919 + 1
	for k in range(size):
		if kind == 0:
			b[k] = 97 + (k % 26)          # text
		elif kind == 1:
			b[k] = (k * 31 + i) % 256     # structured binary
		else:
			x = (x * 1103515245 + 12345) % 2147483648
			b[k] = (x >> 16) % 256        # incompressible
	return b

func _init():
	var port = 0
	var mode = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("--port="):
			port = int(a.split("=")[1])
		elif a.begins_with("--compress="):
			mode = int(a.split("=")[1])
	peer = NetworkedMultiplayerENet.new()
	peer.compression_mode = mode
	peer.connect("connection_succeeded", self, "_on_ok")
	peer.connect("connection_failed", self, "_on_fail")
	var err = peer.create_client("127.0.0.1", port)
	if err != OK:
		print("ERROR create_client ", err)
		quit()
	deadline = OS.get_ticks_msec() + 20000

func _on_fail():
	print("FAILED")
	quit()

func _on_ok():
	print("CONNECTED ", peer.get_unique_id())
	peer.set_target_peer(1)
	for i in range(sizes.size() * 3):
		var p = payload(i, sizes[i % sizes.size()])
		expected.append(p)
		peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
		peer.put_packet(p)

func _idle(_delta):
	if OS.get_ticks_msec() > deadline:
		print("TIMEOUT ", reliable_ok, " ", unreliable_back)
		return true
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var channel = peer.get_packet_channel()
		var p = peer.get_packet()
		if channel == 1:
			if reliable_ok < expected.size() and p == expected[reliable_ok]:
				reliable_ok += 1
				print("OK ", reliable_ok, " ", p.size())
			else:
				print("MISMATCH ", reliable_ok, " ", p.size())
				return true
		else:
			unreliable_back += 1
	if expected.size() > 0 and reliable_ok == expected.size():
		# Then unreliable packets, one every 50 ms (ENet may drop unreliable data right after bulk
		# traffic), until three came back or three seconds passed.
		if reliable_done_at == 0:
			reliable_done_at = OS.get_ticks_msec()
		if OS.get_ticks_msec() >= next_unreliable and unreliable_sent < 60:
			next_unreliable = OS.get_ticks_msec() + 50
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE
			peer.put_packet(payload(100 + unreliable_sent, 50))
			unreliable_sent += 1
		if unreliable_back >= 3 or OS.get_ticks_msec() - reliable_done_at > 3000:
			print("DONE ", reliable_ok, " ", unreliable_back)
			peer.close_connection()
			return true
	return false
