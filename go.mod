module github.com/agd-project/agd

go 1.26.8

require (
	github.com/bytedance/gopkg v0.1.3 // indirect
	github.com/bytedance/sonic v1.15.5 // indirect
	github.com/bytedance/sonic/loader v0.5.3 // indirect
	github.com/cloudwego/base64x v0.1.6 // indirect
	github.com/cometbft/cometbft v0.38.26 // indirect
	github.com/cosmos/cosmos-sdk v0.53.8 // indirect
	github.com/klauspost/cpuid/v2 v2.2.10 // indirect
	github.com/oklog/run v1.2.0 // indirect
	github.com/sourcegraph/jsonrpc2 v0.2.3 // indirect
	github.com/twitchyliquid64/golang-asm v0.15.1 // indirect
	golang.org/x/arch v0.17.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
)

replace (
	// The SDK's own replace block (cosmos-sdk v0.53.8 go.mod): the cosmos fork
	// of keyring, jwt-go and gin with known vulnerabilities replaced, and the
	// goleveldb commit the SDK is tested against.
	github.com/99designs/keyring => github.com/cosmos/keyring v1.2.0
	github.com/dgrijalva/jwt-go => github.com/golang-jwt/jwt/v4 v4.4.2
	github.com/gin-gonic/gin => github.com/gin-gonic/gin v1.9.1
	github.com/syndtr/goleveldb => github.com/syndtr/goleveldb v1.0.1-0.20210819022825-2ae1ddf74ef7
)
