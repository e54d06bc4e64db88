import { SPECS, type CommandSpec } from '../program.js';
import { UsageError, type Command } from '../io.js';

/** Each command path (`init policy`) with the words that may follow it. */
function table(): Array<{ path: string; words: string[] }> {
  const rows: Array<{ path: string; words: string[] }> = [{ path: '', words: [...SPECS.map((s) => s.name), 'help', '--help', '--version'] }];
  const walk = (spec: CommandSpec, prefix: string): void => {
    const path = `${prefix}${spec.name}`;
    const flags = (spec.options ?? []).map(([f]) => f.split(/[ ,]/)[0]!);
    rows.push({ path, words: [...(spec.subcommands ?? []).map((s) => s.name), ...flags, '--help'] });
    for (const sub of spec.subcommands ?? []) walk(sub, `${path} `);
  };
  for (const s of SPECS) walk(s, '');
  if (rows.some((r) => r.path === 'completion')) rows.find((r) => r.path === 'completion')!.words.unshift('bash', 'zsh');
  return rows;
}

/** Commands with subcommands (`init`, `snowflake`): the word after them is part of the command path. */
function groups(): string[] {
  return SPECS.filter((s) => s.subcommands !== undefined).map((s) => s.name);
}

export function bashCompletion(): string {
  const g = groups();
  const cases = table()
    .map((r) => `    "${r.path}") words="${r.words.join(' ')}" ;;`)
    .join('\n');
  return `# airlock bash completion: source <(airlock completion bash)
_airlock() {
  local cur path="" i w words=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case "$path" in "" | ${g.join(' | ')}) ;; *) break ;; esac
    if [ -z "$path" ]; then path="$w"; else path="$path $w"; fi
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  case "$path" in replay\\ *|verify|replay) [ -z "$words" ] && COMPREPLY=($(compgen -f -- "$cur")) ;; esac
  COMPREPLY+=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _airlock airlock
`;
}

export function zshCompletion(): string {
  const g = groups();
  const cases = table()
    .map((r) => `    "${r.path}") words=(${r.words.join(' ')}) ;;`)
    .join('\n');
  return `#compdef airlock
# airlock zsh completion: airlock completion zsh > "\${fpath[1]}/_airlock" (then compinit)
_airlock() {
  local p="" i w
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    if [[ -z $p ]]; then p=$w; elif [[ " ${g.join(' ')} " == *" $p "* ]]; then p="$p $w"; else break; fi
  done
  local -a cands
  case "$p" in
${cases.replace(/words=/g, 'cands=')}
    *) cands=() ;;
  esac
  [[ $p == verify || $p == export ]] && _files
  compadd -- $cands
}
compdef _airlock airlock 2>/dev/null || _airlock "$@"
`;
}

/** `airlock completion bash|zsh`: prints the completion script for that shell. */
export const run: Command = async (argv, io) => {
  const [shell] = argv;
  if (shell === 'bash') io.stdout.write(bashCompletion());
  else if (shell === 'zsh') io.stdout.write(zshCompletion());
  else throw new UsageError(`unsupported shell '${shell ?? ''}': bash or zsh`);
  return 0;
};
