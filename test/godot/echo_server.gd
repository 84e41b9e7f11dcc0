# Godot 3.2 echo server for enet-ts interop tests.
# Usage: godot3-server --no-window -s echo_server.gd --port=N --compress=MODE
# Echoes every packet back to its sender with the transfer mode it arrived with
# (channel 1 = reliable, 2 = unreliable), and prints READY / CONNECT / DISCONNECT lines.
extends SceneTree

var peer = null
var echoed = 0

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
	var err = peer.create_server(port, 32)
	if err != OK:
		print("ERROR create_server ", err)
		quit()
		return
	peer.connect("peer_connected", self, "_on_connected")
	peer.connect("peer_disconnected", self, "_on_disconnected")
	print("READY ", port, " ", mode)

func _on_connected(id):
	print("CONNECT ", id)

func _on_disconnected(id):
	print("DISCONNECT ", id)

func _idle(_delta):
	if peer == null:
		return true
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var channel = peer.get_packet_channel()
		var data = peer.get_packet()
		if channel == 1:
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE
		else:
			peer.transfer_mode = NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE
		peer.set_target_peer(from)
		peer.put_packet(data)
		echoed += 1
	return false
