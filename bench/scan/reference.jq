# An independent reference for the retro-hunt: prints the correlation id of
# every record that touches a decoy. Run as
#   jq -r --slurpfile D decoys.json -f reference.jq corpus.json
# decoys.json maps "vault|name" (lower case) to the decoy's type.
# It follows the same rules as honeyvault, written separately: object from
# properties.id, else the request URI; path cut at ? or #, percent-decoded
# once, "\" as "/", empty and "." segments dropped, ".." pops; collection
# (deleted)secrets|keys|certificates; a certificate decoy is also reached as
# key or secret. Vault from the record's resourceId (names are unique here).
def hexval: ascii_downcase | explode | map(if . >= 97 then . - 87 else . - 48 end) | .[0] * 16 + .[1];
def pdecode: if test("%") then gsub("%(?<h>[0-9a-fA-F]{2})"; [.h | hexval] | implode) else . end;
def objref:
  sub("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\\\]*"; "") | sub("[?#].*$"; "") | pdecode | gsub("\\\\"; "/")
  | split("/") | map(select(. != "" and . != "."))
  | reduce .[] as $s ([]; if $s == ".." then .[:-1] else . + [$s] end)
  | if length >= 2 and (.[0] | ascii_downcase | test("^(deleted)?(secrets|keys|certificates)$"))
       and (.[1] | test("^[0-9a-zA-Z-]{1,127}$"))
    then {type: (.[0] | ascii_downcase | sub("^deleted"; "") | {"secrets": "secret", "keys": "key", "certificates": "certificate"}[.]),
          name: (.[1] | ascii_downcase)}
    else null end;
(.resourceId // "" | ascii_downcase | split("/") | last) as $vault
| ((.properties.id // "" | objref) // (.properties.requestUri // "" | objref)) as $ref
| select($ref != null)
| $D[0][$vault + "|" + $ref.name] as $decoy
| select($decoy != null and ($decoy == $ref.type or $decoy == "certificate"))
| .correlationId
