# Runs a command on a pseudo-terminal (so its stdin, stdout and stderr are TTYs) and relays: our
# stdin to the terminal, the terminal's output to our stdout. Exits with the command's status.
# Used by test/helpers/cli.ts to answer the CLI's prompts as a user at a terminal would.
import fcntl
import os
import pty
import select
import struct
import sys
import termios

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
# A new terminal is 0x0; prompts lay out text by its width.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))

watched = [fd, 0]
while True:
    ready, _, _ = select.select(watched, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            watched.remove(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
