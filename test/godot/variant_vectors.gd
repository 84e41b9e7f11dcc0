extends SceneTree
# Godot 3's own Variant encoding of a list covering every Variant type and edge case, in two modes.
#
# Vectors (no arguments): prints var2bytes() of each value, one JSON line per value:
# {"name": N, "hex": H} (plus "id" where the value holds an instance id, which changes from run to
# run). The output is committed as test/vectors/variant/godot3.json; the suite re-runs this script
# and checks the committed vectors still match.
#
# Peer (--port=P): a NetworkedMultiplayerENet client of 127.0.0.1:P (Godot 3 frames each packet with
# its 8-byte header) that put_var()s every value of the list in order (full objects for
# "object_full"), then two undecodable packets and put_var("after-bad"), then reads 2 × N values back
# with get_var(): N echoes of what it sent, then N values made by the TypeScript side; each must equal
# the list's value with the same type (typeof, var2str). Prints {"summary": {...}, "ok": bool}.
#
# Run: godot3-server --no-window -s <this file> [--port=P]

var obj = Reference.new()


func _values():
	var list = [
		["nil", null],
		["bool_true", true],
		["bool_false", false],
		["int_0", 0],
		["int_7", 7],
		["int_-2", -2],
		["int32_max", 2147483647],
		["int32_min", -2147483648],
		["int_2^31", 2147483648],
		["int_-2^31-1", -2147483649],
		["int_5e9", 5000000000],
		["int_2^53+1", 9007199254740993],
		["int64_max", 9223372036854775807],
		["int64_min", -9223372036854775807 - 1],
		["float_1.5", 1.5],
		["float_0.1", 0.1],
		["float_1.0", 1.0],
		["float_-0.0", -0.0],
		["float_1e300", 1e300],
		["float_inf", INF],
		["float_-inf", -INF],
		["float_nan", NAN],
		["string_empty", ""],
		["string_hello", "héllo"],
		["string_cjk", "日本語"],
		["string_4", "abcd"],
		["vector2", Vector2(1, 2)],
		["vector2_frac", Vector2(0.1, -3.5)],
		["rect2", Rect2(1, 2, 3, 4)],
		["vector3", Vector3(1, 2, 3)],
		["transform2d", Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))],
		["plane", Plane(Vector3(0, 1, 0), 5)],
		["quat", Quat(0.5, 0.5, 0.5, 0.5)],
		["aabb", AABB(Vector3(1, 2, 3), Vector3(4, 5, 6))],
		["basis", Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9))],
		["transform", Transform(Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)), Vector3(10, 11, 12))],
		["color", Color(1, 0.5, 0, 1)],
		["color_frac", Color(0.1, 0.2, 0.3, 0.4)],
		["node_path", NodePath("a/b:c")],
		["node_path_absolute", NodePath("/root/Main:position:x")],
		["node_path_empty", NodePath("")],
		["node_path_parent", NodePath("..")],
		["rid_empty", RID()],
		["dictionary_empty", {}],
		["dictionary", {"k": 1, 2: "two", Vector2(1, 2): [true]}],
		["array_empty", []],
		["array", [1, "x", 2.5, null, [true]]],
		["array_nested", [[[[1]]]]],
		["pool_byte_empty", PoolByteArray()],
		["pool_byte_3", PoolByteArray([1, 2, 3])],
		["pool_byte_4", PoolByteArray([0, 255, 128, 7])],
		["pool_int", PoolIntArray([1, -1, 2147483647, -2147483648])],
		["pool_real", PoolRealArray([1.5, 0.1, -2])],
		["pool_string", PoolStringArray(["ab", "c", "", "héllo"])],
		["pool_vector2", PoolVector2Array([Vector2(1, 2), Vector2(3, 4)])],
		["pool_vector3", PoolVector3Array([Vector3(1, 2, 3)])],
		["pool_color", PoolColorArray([Color(1, 0, 0, 1), Color(0, 0.5, 1, 0.25)])],
		# Values holding an instance id (it changes from run to run).
		["object_as_id", obj],
		["object_full", obj],
	]
	return list


func _init():
	var port = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("--port="):
			port = int(a.split("=")[1])
	if port > 0:
		_peer(port)
		quit()
		return
	var list = _values()
	for pair in list:
		var line = {"name": pair[0], "hex": var2bytes(pair[1], pair[0] == "object_full").hex_encode()}
		if pair[0] == "object_as_id" or pair[0] == "object_full":
			line["id"] = str(obj.get_instance_id())
		print(to_json(line))
	print(to_json({"done": list.size()}))
	quit()


# Why `got` is not the list's value `want` (same type, same text), or "".
func _compare(name, want, got):
	if name == "object_as_id":
		return "" if got is EncodedObjectAsID and got.get_object_id() == obj.get_instance_id() else "not the object id"
	if name == "object_full":
		return "" if got is Reference and got.get_class() == "Reference" and not (got is EncodedObjectAsID) else "not a Reference"
	if typeof(got) != typeof(want):
		return "type %d instead of %d" % [typeof(got), typeof(want)]
	if var2str(got) != var2str(want):
		return "value"
	return ""


func _peer(port):
	var list = _values()
	var n = list.size()
	var mp = NetworkedMultiplayerENet.new()
	if mp.create_client("127.0.0.1", port) != OK:
		print(to_json({"summary": {}, "ok": false, "reason": "create_client"}))
		return
	var deadline = OS.get_ticks_msec() + 30000
	while mp.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_CONNECTED and OS.get_ticks_msec() < deadline:
		mp.poll()
		OS.delay_msec(5)
	if mp.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_CONNECTED:
		print(to_json({"summary": {}, "ok": false, "reason": "no connection"}))
		return
	mp.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
	mp.set_target_peer(1)
	for pair in list:
		mp.put_var(pair[1], pair[0] == "object_full")
	mp.put_packet(PoolByteArray([0x63, 0, 0, 0]))  # type 99: no such type
	mp.put_packet(PoolByteArray([4, 0, 0, 0, 64, 0, 0, 0, 0x61]))  # a 64-byte string in 1 byte
	mp.put_var("after-bad")
	var got = 0
	var ok = {"echo": 0, "typescript": 0}
	var failures = []
	while got < 2 * n and OS.get_ticks_msec() < deadline:
		mp.poll()
		if mp.get_connection_status() != NetworkedMultiplayerPeer.CONNECTION_CONNECTED:
			break
		while mp.get_available_packet_count() > 0 and got < 2 * n:
			var name = list[got % n][0]
			var v = mp.get_var(name == "object_full")
			var phase = "echo" if got < n else "typescript"
			var why = _compare(name, list[got % n][1], v)
			if why == "":
				ok[phase] += 1
			else:
				failures.append({"phase": phase, "name": name, "why": why, "got": var2str(v)})
			got += 1
		OS.delay_msec(2)
	var good = ok["echo"] == n and ok["typescript"] == n
	print(to_json({"summary": {"values": n, "ok": ok, "failures": failures}, "ok": good}))
	mp.close_connection()
