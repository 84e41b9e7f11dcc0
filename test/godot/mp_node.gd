extends Node
# The /root/Main node of the Godot 3 multiplayer interop tests (mp_peer.gd).

func _report(what, args):
	var types = []
	var text = []
	for a in args:
		types.append(typeof(a))
		text.append(var2str(a))
	print(JSON.print({"rpc": what, "from": get_tree().get_rpc_sender_id(), "args": text, "types": types}))

remote func hello(i, s, f, b):
	_report("hello", [i, s, f, b])

puppet func to_client(i, s, f, b):
	_report("to_client", [i, s, f, b])
	rpc_id(1, "hello", i, s, f, b)

remote func many(a, b, c, d, e):
	_report("many", [a, b, c, d, e])
	rpc_id(get_tree().get_rpc_sender_id(), "many", a, b, c, d, e)
