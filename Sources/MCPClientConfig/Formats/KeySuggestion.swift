/// "Did you mean" for misspelled keys: explicit aliases other tools use, then a case-insensitive edit distance over
/// the keys that are valid at that position.
enum KeySuggestion {
    /// Spellings seen in other formats or docs for a key we name differently (LibreChat #9153 dropped these silently).
    static let aliases: [String: String] = [
        "clientid": "client_id", "clientsecret": "client_secret", "scopes": "scope",
        "authorizationurl": "authorization_url", "authorizationendpoint": "authorization_url", "authorization_endpoint": "authorization_url",
        "authurl": "authorization_url", "tokenurl": "token_url", "tokenendpoint": "token_url", "token_endpoint": "token_url",
        "redirecturi": "redirect_uri", "redirect_url": "redirect_uri", "redirecturl": "redirect_uri", "callback_url": "redirect_uri",
        "revocationendpoint": "revocation_endpoint", "revocation_url": "revocation_endpoint",
        "tokenexchangemethod": "token_exchange_method", "skipcodechallengecheck": "skip_code_challenge_check",
        "environment": "env", "enviroment": "env", "environ": "env", "envvars": "env", "env_vars": "env", "arguments": "args", "argv": "args", "endpoint": "url", "uri": "url", "server_url": "url",
        "serverurl": "url", "init_timeout": "initTimeout", "inittimeout": "initTimeout", "sse_read_timeout": "sseReadTimeout",
        "icon": "iconPath", "icon_path": "iconPath", "require_approval": "requireApproval", "requires_oauth": "requiresOAuth",
        "requiresoauth": "requiresOAuth", "api_key": "apiKey", "apikey": "apiKey", "oauthheaders": "oauth_headers",
        "custom_user_vars": "customUserVars", "working_directory": "cwd", "workingdirectory": "cwd", "workdir": "cwd",
        "env_file": "envFile", "envfile": "envFile", "server_instructions": "serverInstructions", "chat_menu": "chatMenu",
        "authorization_type": "authorization_type", "authorizationtype": "authorization_type", "customheader": "custom_header",
        "allowed_domains": "allowedDomains", "allowed_addresses": "allowedAddresses",
    ]

    static let maxKeyBytes = 64

    static func suggest(for key: String, among known: [String]) -> String? {
        guard key.utf8.count <= maxKeyBytes else { return nil }
        let lowered = key.lowercased()
        if let alias = aliases[lowered], known.contains(alias) { return alias }
        // Candidates come from the config too (declared input ids): a huge one cannot be a near miss, and comparing
        // against it would cost its length for every suggestion.
        let known = known.filter { $0.utf8.count <= 2 * maxKeyBytes }
        let folded = fold(key)
        if let sameLetters = known.first(where: { fold($0) == folded }) { return sameLetters }
        var best: (key: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(Array(lowered.utf8), Array(candidate.lowercased().utf8))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        // Short keys tolerate one edit, longer ones about a third of their length.
        let allowed = max(1, min(3, key.utf8.count / 3))
        return best.distance <= allowed ? best.key : nil
    }

    /// Lower case without `_` and `-`: `client-id`, `ClientId` and `client_id` are the same word.
    private static func fold(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousRow = [Int](0...b.count)
        var rowBefore = previousRow
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previousRow[j] + 1, current[j - 1] + 1, previousRow[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, rowBefore[j - 2] + 1) }
                current[j] = value
            }
            rowBefore = previousRow
            previousRow = current
        }
        return previousRow[b.count]
    }
}
