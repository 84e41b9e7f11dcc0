extends SceneTree
# Godot 4's own Variant encoding of a list covering every Variant type and edge case, in two modes.
#
# Vectors (no arguments): prints var_to_bytes() of each value, one JSON line per value:
# {"name": N, "hex": H} (plus "id" where the value holds an instance id, which changes from run to
# run). The output is committed as test/vectors/variant/godot4.json; the suite re-runs this script
# when the Godot 4 binary is present and checks the committed vectors still match.
#
# Peer (-- --port P): an ENetConnection client of 127.0.0.1:P that put_var()s every value of the list
# in order (full objects for "object_full"), then two undecodable packets and put_var("after-bad"),
# then reads 2 × N values back with get_var(): N echoes of what it sent, then N values made by the
# TypeScript side; each must equal the list's value with the same type (typeof, var_to_str, array
# typing). Prints {"summary": {...}, "ok": bool} and disconnects.
#
# Run (from ../shared/peers/godot4): ./godot4-headless --headless --path . --script <this file> [-- --port P]

var obj := RefCounted.new()


func _values() -> Array:
	var ints: Array[int] = [1, -2, 3]
	var floats: Array[float] = [1.0, 2.5]
	var strings: Array[String] = ["a", "bc"]
	var names: Array[StringName] = [&"x"]
	var vectors: Array[Vector2] = [Vector2(1, 2)]
	var nodes: Array[Node] = []
	var empty_ints: Array[int] = []
	var null_object: Object = null
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
		["float_f32max", 3.4028234663852886e38],
		["string_empty", ""],
		["string_hello", "héllo"],
		["string_cjk_emoji", "日本語😀"],
		["string_4", "abcd"],
		["vector2", Vector2(1, 2)],
		["vector2_frac", Vector2(0.1, -3.5)],
		["vector2i", Vector2i(1, -2)],
		["vector2i_limits", Vector2i(2147483647, -2147483648)],
		["rect2", Rect2(1, 2, 3, 4)],
		["rect2i", Rect2i(1, 2, 3, 4)],
		["vector3", Vector3(1, 2, 3)],
		["vector3i", Vector3i(1, 2, 3)],
		["transform2d", Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6))],
		["vector4", Vector4(1, 2, 3, 4)],
		["vector4i", Vector4i(1, 2, 3, 4)],
		["plane", Plane(Vector3(0, 1, 0), 5)],
		["quaternion", Quaternion(0.5, 0.5, 0.5, 0.5)],
		["aabb", AABB(Vector3(1, 2, 3), Vector3(4, 5, 6))],
		["basis", Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9))],
		["transform3d", Transform3D(Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)), Vector3(10, 11, 12))],
		["projection", Projection(Vector4(1, 2, 3, 4), Vector4(5, 6, 7, 8), Vector4(9, 10, 11, 12), Vector4(13, 14, 15, 16))],
		["color", Color(1, 0.5, 0, 1)],
		["color_frac", Color(0.1, 0.2, 0.3, 0.4)],
		["string_name", &"name"],
		["string_name_empty", &""],
		["node_path", NodePath("a/b:c")],
		["node_path_absolute", NodePath("/root/Main:position:x")],
		["node_path_empty", NodePath("")],
		["node_path_parent", NodePath("..")],
		["rid_empty", RID()],
		["object_null", null_object],
		["callable", Callable()],
		["dictionary_empty", {}],
		["dictionary", {"k": 1, 2: "two", Vector2(1, 2): [true]}],
		["array_empty", []],
		["array", [1, "x", 2.5, null, [true]]],
		["array_nested", [[[[1]]]]],
		["array_typed_int", ints],
		["array_typed_int_empty", empty_ints],
		["array_typed_float", floats],
		["array_typed_string", strings],
		["array_typed_string_name", names],
		["array_typed_vector2", vectors],
		["array_typed_node", nodes],
		["packed_byte_empty", PackedByteArray()],
		["packed_byte_3", PackedByteArray([1, 2, 3])],
		["packed_byte_4", PackedByteArray([0, 255, 128, 7])],
		["packed_int32", PackedInt32Array([1, -1, 2147483647, -2147483648])],
		["packed_int64", PackedInt64Array([1, -1, 9223372036854775807, 5000000000])],
		["packed_float32", PackedFloat32Array([1.5, 0.1, -2])],
		["packed_float64", PackedFloat64Array([1.5, 0.1, -2])],
		["packed_string", PackedStringArray(["ab", "c", "", "héllo"])],
		["packed_vector2", PackedVector2Array([Vector2(1, 2), Vector2(3, 4)])],
		["packed_vector3", PackedVector3Array([Vector3(1, 2, 3)])],
		["packed_color", PackedColorArray([Color(1, 0, 0, 1), Color(0, 0.5, 1, 0.25)])],
		["packed_vector4", PackedVector4Array([Vector4(1, 2, 3, 4)])],
		# Values holding instance ids (they change from run to run).
		["object_as_id", obj],
		["object_full", obj],
		["signal", Signal(self, &"process_frame")],
	]
	return list


func _initialize():
	var args := OS.get_cmdline_user_args()
	var port := 0
	for i in range(args.size() - 1):
		if args[i] == "--port":
			port = int(args[i + 1])
	if port > 0:
		quit(_peer(port))
		return
	var list := _values()
	for pair in list:
		var line := {"name": pair[0], "hex": var_to_bytes_with_objects(pair[1]).hex_encode() if pair[0] == "object_full" else var_to_bytes(pair[1]).hex_encode()}
		if pair[0] == "object_as_id" or pair[0] == "object_full":
			line["id"] = str(obj.get_instance_id())
		elif pair[0] == "signal":
			line["id"] = str(get_instance_id())
		print(JSON.stringify(line))
	print(JSON.stringify({"done": list.size()}))
	quit()


## Why `got` is not the list's value `want` (same type, same text, same array typing), or "".
func _compare(name: String, want, got) -> String:
	if name == "object_as_id":
		return "" if got is EncodedObjectAsID and got.get_object_id() == obj.get_instance_id() else "not the object id"
	if name == "object_full":
		return "" if got is RefCounted and got.get_class() == "RefCounted" and not (got is EncodedObjectAsID) else "not a RefCounted"
	if name == "array_typed_node":
		# Without full objects Godot itself turns Array[Node] into Array[EncodedObjectAsID].
		return "" if got is Array and got.is_empty() and got.get_typed_class_name() == &"EncodedObjectAsID" else "not Array[EncodedObjectAsID]"
	if typeof(got) != typeof(want):
		return "type %s instead of %s" % [type_string(typeof(got)), type_string(typeof(want))]
	if var_to_str(got) != var_to_str(want):
		return "value"
	if typeof(want) in [TYPE_SIGNAL, TYPE_CALLABLE, TYPE_RID, TYPE_STRING_NAME, TYPE_NODE_PATH] and got != want:
		return "value"
	if typeof(want) == TYPE_ARRAY and (got.is_typed() != want.is_typed() or got.get_typed_builtin() != want.get_typed_builtin() or got.get_typed_class_name() != want.get_typed_class_name()):
		return "array typing"
	return ""


func _peer(port: int) -> int:
	var list := _values()
	var n := list.size()
	var conn := ENetConnection.new()
	if conn.create_host(1) != OK:
		print(JSON.stringify({"summary": {}, "ok": false, "reason": "create_host"}))
		return 1
	var peer := conn.connect_to_host("127.0.0.1", port)
	var deadline := Time.get_ticks_msec() + 30000
	var connected := false
	while not connected and Time.get_ticks_msec() < deadline:
		var ev = conn.service(50)
		connected = ev[0] == ENetConnection.EVENT_CONNECT
	if not connected:
		print(JSON.stringify({"summary": {}, "ok": false, "reason": "no connection"}))
		return 1
	for pair in list:
		peer.put_var(pair[1], pair[0] == "object_full")
	peer.put_packet(PackedByteArray([0x63, 0, 0, 0]))  # type 99: no such type
	peer.put_packet(PackedByteArray([4, 0, 0, 0, 64, 0, 0, 0, 0x61]))  # a 64-byte string in 1 byte
	peer.put_var("after-bad")
	var got := 0
	var ok := {"echo": 0, "typescript": 0}
	var failures := []
	while got < 2 * n and Time.get_ticks_msec() < deadline:
		var ev = conn.service(50)
		if ev[0] == ENetConnection.EVENT_DISCONNECT:
			break
		while peer.get_available_packet_count() > 0 and got < 2 * n:
			var name: String = list[got % n][0]
			var v = peer.get_var(name == "object_full")
			var phase := "echo" if got < n else "typescript"
			var why: String = _compare(name, list[got % n][1], v)
			if why == "":
				ok[phase] += 1
			else:
				failures.append({"phase": phase, "name": name, "why": why, "got": var_to_str(v)})
			got += 1
	var good: bool = ok["echo"] == n and ok["typescript"] == n
	print(JSON.stringify({"summary": {"values": n, "ok": ok, "failures": failures}, "ok": good}))
	peer.peer_disconnect(0)
	var until := Time.get_ticks_msec() + 2000
	while Time.get_ticks_msec() < until:
		if conn.service(50)[0] == ENetConnection.EVENT_DISCONNECT:
			break
	conn.destroy()
	return 0 if good else 1
