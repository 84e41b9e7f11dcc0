extends SceneTree
# Prints Godot 4's own var_to_bytes() of a list covering every Variant type and edge case, one JSON
# line per value: {"name": N, "hex": H} (plus "id" where the value holds an instance id, which changes
# from run to run). The output is committed as test/vectors/variant/godot4.json; the suite re-runs this
# script when the Godot 4 binary is present and checks the committed vectors still match.
# Run (from ../shared/peers/godot4): ./godot4-headless --headless --path . --script <this file>


func _initialize():
	var obj := RefCounted.new()
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
	]
	for pair in list:
		print(JSON.stringify({"name": pair[0], "hex": var_to_bytes(pair[1]).hex_encode()}))
	# Values holding instance ids (they change from run to run): the id is printed beside them.
	print(JSON.stringify({"name": "object_as_id", "hex": var_to_bytes(obj).hex_encode(), "id": str(obj.get_instance_id())}))
	print(JSON.stringify({"name": "object_full", "hex": var_to_bytes_with_objects(obj).hex_encode(), "id": str(obj.get_instance_id())}))
	var sig := Signal(self, &"process_frame")
	print(JSON.stringify({"name": "signal", "hex": var_to_bytes(sig).hex_encode(), "id": str(get_instance_id())}))
	print(JSON.stringify({"done": list.size() + 3}))
	quit()
