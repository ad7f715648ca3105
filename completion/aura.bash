# aura.bash: bash completion for the aura driver (installed as share/bash-completion/completions/aura).

_aura() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else	# without the bash-completion package: the plain variables
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	fi

	local commands="scan diff merge explain batch serve pip npm audit approve approvals watch info" levels="info low medium high critical"
	local options="--format --db --fail-score --fail-level --min-level --allow-errors --rules
		--no-sandbox --unbuffered --help --jobs --no-progress --fetch-timeout --unpack-timeout
		--stage --insert-after --policy --srcroot --rescan --python-version --platform --machine"
	local batch_options="--sshlogin --slf --retry-failed --cpu-time --memory --wall-time"

	if [ "$cword" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
		return
	fi

	case $prev in
	--format|-f)
		local formats="text json sarif"
		[ "${words[1]}" = diff ] && formats="text json"
		mapfile -t COMPREPLY < <(compgen -W "$formats" -- "$cur")
		return ;;
	--fail-level|--min-level)
		mapfile -t COMPREPLY < <(compgen -W "$levels" -- "$cur")
		return ;;
	--fail-score|--jobs|-j|--fetch-timeout|--timeout|--unpack-timeout|--cpu-time|--wall-time|--memory|--sshlogin|-S)
		return ;;
	--srcroot)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--stage|--insert-after)	# NAME=, then the command is the user's
		[[ $cur == *=* ]] || mapfile -t COMPREPLY < <(compgen -S = -W "fetch unpack parse rewrite analyze score" -- "$cur")
		compopt -o nospace 2>/dev/null
		return ;;
	--db|--rules|--slf|--policy)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac

	# After `--` every word is a path.
	local i
	for ((i = 2; i < cword; i++)); do
		[ "${words[i]}" != -- ] || { mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return; }
	done
	case ${words[1]} in
	scan|diff|merge|batch|explain|audit)
		[ "${words[1]}" != batch ] || options+=" $batch_options"
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$options --" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi ;;
	esac
}
complete -o filenames -F _aura aura
