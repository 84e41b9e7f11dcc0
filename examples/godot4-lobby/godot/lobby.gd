extends Node
# /root/Lobby: the RPCs the TypeScript server (../server.mjs) declares too, under the same names
# and modes (method ids are positions in the sorted list of names, so both sides must list the same set).

signal line(text: String)

var players = {}  # id -> {"name": String, "pos": Vector2}


# Client -> server: join with a name.
@rpc("any_peer")
func join(_name: String):
	pass


# Client -> server: a chat line (the server stamps it and sends it to everyone).
@rpc("any_peer")
func chat(_text: String):
	pass


# Client -> everyone (the server relays it to the other clients): my new position.
@rpc("any_peer", "call_remote", "unreliable_ordered")
func move(pos: Vector2):
	var id = multiplayer.get_remote_sender_id()
	if players.has(id):
		players[id]["pos"] = pos
		line.emit("%s moved to %s" % [players[id]["name"], pos])


# Server -> the new client: who is here.
@rpc
func welcome(everyone: Dictionary):
	for id in everyone:
		players[int(id)] = {"name": everyone[id], "pos": Vector2.ZERO}
	line.emit("welcome: %s" % [everyone.values()])


# Server -> everyone: somebody joined.
@rpc
func player_joined(id: int, who: String):
	players[id] = {"name": who, "pos": Vector2.ZERO}
	line.emit("%s joined" % who)


# Server -> everyone: somebody left.
@rpc
func player_left(id: int):
	if players.has(id):
		line.emit("%s left" % players[id]["name"])
		players.erase(id)


# Server -> everyone: a chat line.
@rpc
func chat_message(id: int, who: String, text: String):
	line.emit("[%s] %s" % [who, text])
