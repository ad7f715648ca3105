# Executes a base64 payload through an aliased exec; the payload is inert
# (it would print a documentation URL).
import base64 as b
run = exec
run(b.b64decode("cHJpbnQoJ2h0dHBzOi8vZXhhbXBsZS5jb20vJyk="))
eval(compile("1+1", "<x>", "eval"))
