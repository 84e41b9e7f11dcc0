extends SceneTree
# Prints Godot 3's own var2bytes() of a list covering every Variant type and edge case, one JSON
# line per value: {"name": N, "hex": H} (plus "id" where the value holds an instance id, which changes
# from run to run). The output is committed as test/vectors/variant/godot3.json; the suite re-runs this
# script and checks the committed vectors still match.
# Run: godot3-server --no-window -s <this file>


func _init():
	var obj = Reference.new()
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
	]
	for pair in list:
		print(to_json({"name": pair[0], "hex": var2bytes(pair[1]).hex_encode()}))
	# Values holding instance ids (they change from run to run): the id is printed beside them.
	print(to_json({"name": "object_as_id", "hex": var2bytes(obj).hex_encode(), "id": str(obj.get_instance_id())}))
	print(to_json({"name": "object_full", "hex": var2bytes(obj, true).hex_encode(), "id": str(obj.get_instance_id())}))
	print(to_json({"done": list.size() + 2}))
	quit()
