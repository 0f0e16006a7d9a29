import MCPClientCore
@testable import MCPClientOAuth
import Testing

/// Which failed token requests `freshTokens` asks again (once, 2 s later, same refresh token): those whose answer may
/// have been lost after the AS acted on them. The end-to-end cases are in test_faults_oauth.py.
@Suite struct LostAnswerTests {
    @Test func onlyRequestsThatMayHaveReachedTheASAreAskedAgain() {
        #expect(OAuthEngine.mayHaveLostTheAnswer(MCPError(.timeout, "no answer", source: .auth)))
        #expect(OAuthEngine.mayHaveLostTheAnswer(MCPError.transport("recv failure", details: ["curl_code": 56])))
        #expect(OAuthEngine.mayHaveLostTheAnswer(MCPError.transport("empty reply", details: ["curl_code": 52])))
        // Never sent: no connection, no address.
        #expect(!OAuthEngine.mayHaveLostTheAnswer(MCPError.transport("refused", details: ["curl_code": 7])))
        #expect(!OAuthEngine.mayHaveLostTheAnswer(MCPError.transport("unknown host", details: ["curl_code": 6])))
        // Answered.
        #expect(!OAuthEngine.mayHaveLostTheAnswer(MCPError(.auth, "refused", source: .auth, details: ["reason": "invalid_grant"])))
        #expect(!OAuthEngine.mayHaveLostTheAnswer(MCPError(.unavailable, "503", source: .auth)))
    }
}
