extends Node
# The /root/Main node of the multiplayer interop tests (mp_peer.gd). Its RPC methods, sorted by
# name, get the ids blob 0, hello 1, many 2, ping 3, to_client 4 (md5 of "blobhellomanypingto_client").

signal reported


func _report(what: String, args: Array) -> void:
	var types = []
	for a in args:
		types.append(typeof(a))
	var text = []
	for a in args:
		text.append(var_to_str(a))
	print(JSON.stringify({"rpc": what, "from": multiplayer.get_remote_sender_id(), "args": text, "types": types}))


@rpc("any_peer")
func hello(i, s, f, b):
	_report("hello", [i, s, f, b])


@rpc
func to_client(i, s, f, b):
	_report("to_client", [i, s, f, b])
	hello.rpc_id(1, i, s, f, b)


@rpc("any_peer", "call_remote", "unreliable", 1)
func ping(n):
	_report("ping", [n])


@rpc("any_peer")
func blob(bytes):
	_report("blob", [bytes])


# Echoes its arguments back to the caller (several Variant types).
@rpc("any_peer")
func many(a, b, c, d, e, f, g, h):
	_report("many", [a, b, c, d, e, f, g, h])
	many.rpc_id(multiplayer.get_remote_sender_id(), a, b, c, d, e, f, g, h)
