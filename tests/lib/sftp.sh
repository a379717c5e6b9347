# sftp.sh -- sourced by run.sh: print_sftp_upload() through
# build/asan/sftp_upload against a real OpenSSH sshd that this fragment starts
# on 127.0.0.1 (a free high port, its own config, host key and client keys
# under $tmp) and stops again, whatever happens.
#
# A file arrives whole under its own name and no .part is left; a second
# upload to the same name is refused and changes nothing; print_sftp_exists
# tells a name that is there from one that is not; a name with a space and a non-ASCII letter survives the
# URL and the rename; a server with another host key than the pinned one
# gets nothing; a client key the server does not know is refused; without a
# well-formed pin no connection is even made.  Nothing of ~/.ssh is used:
# the uploads run with an empty HOME.

sftpt_bin=$top/build/asan/sftp_upload
sftpt=$tmp/sftp-tool
sftpt_pid=

sftpt_stop() {
	if [ -n "$sftpt_pid" ]; then
		kill "$sftpt_pid" 2>/dev/null
		wait "$sftpt_pid" 2>/dev/null
		sftpt_pid=
	fi
}

# sshd must not outlive the run, even on ^C or a failed check: it is
# stopped before run.sh's own EXIT trap (which removes $tmp) runs, and that
# trap is put back as it was at the end of this fragment.
sftpt_trap=$(trap -p EXIT)
sftpt_trap_cmd=
sftpt_cmd_of() { sftpt_trap_cmd=$2; } # trap -- 'CMD' EXIT
[ -n "$sftpt_trap" ] && eval "sftpt_cmd_of ${sftpt_trap#trap }"
trap 'sftpt_stop; eval "$sftpt_trap_cmd"' EXIT
sftpt_trap_restore() {
	if [ -n "$sftpt_trap" ]; then eval "$sftpt_trap"; else trap - EXIT; fi
}

sftpt_fp() { ssh-keygen -lf "$1" -E sha256 | awk '{print $2}'; }

# sftpt_up KEY HOSTKEY LOCAL REMOTE: one upload; exit status in $tmp/rc,
# its stderr in $tmp/err.
sftpt_up() {
	HOME=$sftpt/home "$sftpt_bin" "sftp://127.0.0.1:$sftpt_port$sftpt/inkorg/" "$(id -un)" \
	    "$1" "$2" "$3" "$4" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

# Connections sshd has seen so far (LogLevel VERBOSE logs each).
sftpt_conns() { grep -c 'Connection from' "$sftpt/sshd.log"; }

# The upload directory, dot files too, as checksums and names.
sftpt_ls() { (cd "$sftpt/inkorg" && find . -type f -exec md5sum {} + | sort); }

sftpt_start() {
	local _
	for _ in 1 2 3; do
		sftpt_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		sed -i "s/^Port .*/Port $sftpt_port/" "$sftpt/sshd_config"
		/usr/sbin/sshd -D -e -f "$sftpt/sshd_config" 2>>"$sftpt/sshd.log" &
		sftpt_pid=$!
		for _ in $(seq 50); do
			kill -0 "$sftpt_pid" 2>/dev/null || break
			if (exec 3<>"/dev/tcp/127.0.0.1/$sftpt_port") 2>/dev/null; then
				return 0
			fi
			sleep 0.1
		done
		# Port taken since it was found free, or sshd refused to start.
		sftpt_stop
	done
	return 1
}

if [ ! -x "$sftpt_bin" ]; then
	bad "sftp: no $sftpt_bin"
elif [ ! -x /usr/sbin/sshd ]; then
	bad "sftp: no /usr/sbin/sshd (openssh-server)"
else
	mkdir -p "$sftpt/inkorg" "$sftpt/home"
	# sshd's privilege separation directory, as the Debian package makes it.
	[ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null
	for sftpt_k in host_key other_host_key client_key stranger_key; do
		ssh-keygen -q -t ed25519 -N '' -C "expediera-test-$sftpt_k" -f "$sftpt/$sftpt_k"
	done
	cp "$sftpt/client_key.pub" "$sftpt/authorized_keys"
	cat >"$sftpt/sshd_config" <<CONF
Port 0
ListenAddress 127.0.0.1
HostKey $sftpt/host_key
PidFile $sftpt/sshd.pid
LogLevel VERBOSE
AuthorizedKeysFile $sftpt/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
UseDNS no
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
Subsystem sftp internal-sftp
ForceCommand internal-sftp
CONF
	: >"$sftpt/sshd.log"
	if ! sftpt_start; then
		bad "sftp: sshd did not start"
		tail -n 20 "$sftpt/sshd.log"
	else
		ok
		sftpt_fpr=$(sftpt_fp "$sftpt/host_key.pub")
		head -c 300000 /dev/urandom >"$sftpt/a.bin"
		head -c 70000 /dev/urandom >"$sftpt/b.bin"

		# (1) The right host key: the file arrives whole, no .part is left.
		sftpt_up "$sftpt/client_key" "$sftpt_fpr" "$sftpt/a.bin" utskrift.pdf
		if [ "$(rc)" -eq 0 ] && cmp -s "$sftpt/a.bin" "$sftpt/inkorg/utskrift.pdf"; then ok; else
			bad "sftp: upload failed or differs (exit $(rc))"
			cat "$tmp/err"
		fi
		if [ "$(ls -A "$sftpt/inkorg")" = utskrift.pdf ]; then ok; else
			bad "sftp: more than the file in the directory:"
			ls -A "$sftpt/inkorg"
		fi

		# (2) Again, other content: refused, nothing replaced, no .part left.
		sftpt_up "$sftpt/client_key" "$sftpt_fpr" "$sftpt/b.bin" utskrift.pdf
		if [ "$(rc)" -eq 1 ] && grep -q 'finns redan hos tryckeriet' "$tmp/err" &&
		    cmp -s "$sftpt/a.bin" "$sftpt/inkorg/utskrift.pdf" &&
		    [ "$(ls -A "$sftpt/inkorg")" = utskrift.pdf ]; then ok; else
			bad "sftp: an existing file was not kept (exit $(rc))"
			cat "$tmp/err"
			ls -A "$sftpt/inkorg"
		fi
		# (3) Whether a name is there, as the recovery after a crash asks.
		sftpt_up "$sftpt/client_key" "$sftpt_fpr" - utskrift.pdf
		[ "$(rc)" -eq 0 ] && ok || { bad "sftp: exists says no for a file that is there (exit $(rc))"; cat "$tmp/err"; }
		sftpt_up "$sftpt/client_key" "$sftpt_fpr" - finns-inte.pdf
		[ "$(rc)" -eq 3 ] && ok || { bad "sftp: exists says yes or fails for a missing file (exit $(rc))"; cat "$tmp/err"; }

		# A space and a non-ASCII letter, in the URL and in the rename.
		sftpt_up "$sftpt/client_key" "$sftpt_fpr" "$sftpt/a.bin" 'utskrift nämnd 2.pdf'
		if [ "$(rc)" -eq 0 ] && cmp -s "$sftpt/a.bin" "$sftpt/inkorg/utskrift nämnd 2.pdf" &&
		    [ -z "$(find "$sftpt/inkorg" -name '*.part')" ]; then ok; else
			bad "sftp: a name with a space and ä did not arrive (exit $(rc))"
			cat "$tmp/err"
			ls -A "$sftpt/inkorg"
		fi
		rm -f "$sftpt/inkorg/utskrift nämnd 2.pdf"

		# (3) Another host key than the pinned one: refused, nothing written.
		sftpt_before=$(sftpt_ls)
		sftpt_up "$sftpt/client_key" "$(sftpt_fp "$sftpt/other_host_key.pub")" "$sftpt/a.bin" ny.pdf
		if [ "$(rc)" -eq 1 ] && grep -q 'visade en annan värdnyckel än den som står i \[print\] sftp_host_key; inget skickades' "$tmp/err" &&
		    [ "$(sftpt_ls)" = "$sftpt_before" ]; then ok; else
			bad "sftp: a wrong host key was not refused (exit $(rc))"
			cat "$tmp/err"
			ls -A "$sftpt/inkorg"
		fi

		# (4) A client key the server does not know: refused, nothing written.
		sftpt_up "$sftpt/stranger_key" "$sftpt_fpr" "$sftpt/a.bin" ny.pdf
		if [ "$(rc)" -eq 1 ] && grep -q 'godtog inte nyckeln' "$tmp/err" &&
		    [ "$(sftpt_ls)" = "$sftpt_before" ]; then ok; else
			bad "sftp: an unknown client key was not refused (exit $(rc))"
			cat "$tmp/err"
		fi

		# (5) No pin, or one that is not a SHA-256 fingerprint: refused
		# before any connection (sshd logs none).
		sftpt_nconn=$(sftpt_conns)
		sftpt_b64=${sftpt_fpr#SHA256:}
		for sftpt_pin in '' "${sftpt_fpr%?}" "MD5:$sftpt_b64" "$sftpt_b64" "$sftpt_fpr=x" "SHA256:${sftpt_b64%?}!"; do
			sftpt_up "$sftpt/client_key" "$sftpt_pin" "$sftpt/a.bin" ny.pdf
			if [ "$(rc)" -eq 1 ] && grep -q 'sftp_host_key saknas eller är inte' "$tmp/err"; then ok; else
				bad "sftp: host key '$sftpt_pin' was not refused (exit $(rc))"
				cat "$tmp/err"
			fi
		done
		if [ "$(sftpt_conns)" -eq "$sftpt_nconn" ] && [ "$(sftpt_ls)" = "$sftpt_before" ]; then ok; else
			bad "sftp: connected without a well-formed pin"
		fi
		# The pin with its base64 padding is the same pin.
		sftpt_up "$sftpt/client_key" "$sftpt_fpr=" "$sftpt/a.bin" utskrift-vaddad.pdf
		if [ "$(rc)" -eq 0 ] && cmp -s "$sftpt/a.bin" "$sftpt/inkorg/utskrift-vaddad.pdf"; then ok; else
			bad "sftp: the padded pin was refused (exit $(rc))"
			cat "$tmp/err"
		fi
	fi
	sftpt_stop
	if [ -f "$sftpt/sshd.pid" ] && kill -0 "$(cat "$sftpt/sshd.pid")" 2>/dev/null; then
		bad "sftp: sshd still running"
		kill "$(cat "$sftpt/sshd.pid")"
	fi
fi
sftpt_trap_restore
