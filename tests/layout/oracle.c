/* Layout oracle: what mingw-w64's sspi.h says the SSPI structs look like.
 *
 * Built with `gcc -S` only, never assembled, linked or run (a 32-bit Windows program cannot run
 * here). Every fact goes into the assembly text as a line
 *     @oracle <kind> <struct> <name> <number>...
 * through an asm immediate ("i" operand, printed bare by %c), so the compiler itself writes the
 * number it would use and tests/layout/mod.rs reads it back. The lines are never assembled, so
 * their syntax only has to suit that reader.
 */
#define SECURITY_WIN32 /* user-mode sspi.h: ISSP_MODE 1, so ChangeAccountPassword* is a field */
/* Pinned rather than inherited from _mingw.h's default: at NTDDI_WINBLUE or below the function
 * tables lose their last two fields. */
#define _WIN32_WINNT 0x0A00
#define NTDDI_VERSION 0x0A000000
#include <windows.h>
#include <sspi.h>
#include <stddef.h>

_Static_assert(ISSP_MODE != 0, "sspi.h is in kernel mode: Reserved9 replaces ChangeAccountPassword*");
_Static_assert(NTDDI_VERSION > NTDDI_WINBLUE, "function tables would lack the *Ex fields");

/* Field lists in declaration order. sspi.h's A table declares FreeCredentialHandle, but sspi.h also
 * #defines that to FreeCredentialsHandle, so the compiled member has the W table's name. */
#define SECPKGINFO_FIELDS(F, S) \
    F(S, fCapabilities) F(S, wVersion) F(S, wRPCID) F(S, cbMaxToken) F(S, Name) F(S, Comment)

#define SECURITY_FUNCTION_TABLE_FIELDS(F, S, X)                                                   \
    F(S, dwVersion) F(S, EnumerateSecurityPackages##X) F(S, QueryCredentialsAttributes##X)       \
    F(S, AcquireCredentialsHandle##X) F(S, FreeCredentialsHandle) F(S, Reserved2)                 \
    F(S, InitializeSecurityContext##X) F(S, AcceptSecurityContext) F(S, CompleteAuthToken)       \
    F(S, DeleteSecurityContext) F(S, ApplyControlToken) F(S, QueryContextAttributes##X)          \
    F(S, ImpersonateSecurityContext) F(S, RevertSecurityContext) F(S, MakeSignature)             \
    F(S, VerifySignature) F(S, FreeContextBuffer) F(S, QuerySecurityPackageInfo##X)              \
    F(S, Reserved3) F(S, Reserved4) F(S, ExportSecurityContext) F(S, ImportSecurityContext##X)   \
    F(S, AddCredentials##X) F(S, Reserved8) F(S, QuerySecurityContextToken) F(S, EncryptMessage) \
    F(S, DecryptMessage) F(S, SetContextAttributes##X) F(S, SetCredentialsAttributes##X)         \
    F(S, ChangeAccountPassword##X) F(S, QueryContextAttributesEx##X)                             \
    F(S, QueryCredentialsAttributesEx##X)

#define SECHANDLE_FIELDS(F, S) F(S, dwLower) F(S, dwUpper)
#define SECBUFFER_FIELDS(F, S) F(S, cbBuffer) F(S, BufferType) F(S, pvBuffer)
#define SECBUFFERDESC_FIELDS(F, S) F(S, ulVersion) F(S, cBuffers) F(S, pBuffers)
#define SEC_WINNT_AUTH_IDENTITY_FIELDS(F, S) \
    F(S, User) F(S, UserLength) F(S, Domain) F(S, DomainLength) F(S, Password) F(S, PasswordLength) F(S, Flags)
#define SECPKGCONTEXT_SIZES_FIELDS(F, S) F(S, cbMaxToken) F(S, cbMaxSignature) F(S, cbBlockSize) F(S, cbSecurityTrailer)
#define SECPKGCONTEXT_PACKAGEINFO_FIELDS(F, S) F(S, PackageInfo)
#define SECPKGCONTEXT_NEGOTIATIONINFO_FIELDS(F, S) F(S, PackageInfo) F(S, NegotiationState)

#define EMIT(text, ...) __asm__ volatile("\n@oracle " text : : __VA_ARGS__)

#define STRUCT(S) EMIT("struct " #S " - %c0 %c1", "i"(sizeof(S)), "i"(_Alignof(S)));
/* The name is stringified after expansion: the member offsetof actually found. */
#define STR(x) #x
#define FIELD(S, m) EMIT("field " #S " " STR(m) " %c0 %c1", "i"(offsetof(S, m)), "i"(sizeof(((S *)0)->m)));

#if defined(__x86_64__)
#define ARCH "x64"
#elif defined(__i386__)
#define ARCH "x86"
#elif defined(__aarch64__)
#define ARCH "arm64"
#else
#error "no oracle name for this target"
#endif

void oracle(void) {
    /* The reader checks these against the compiler it asked for. */
    EMIT("target " ARCH " - %c0", "i"(sizeof(void *)));
    EMIT("mingw - - %c0 %c1 %c2", "i"(__MINGW64_VERSION_MAJOR), "i"(__MINGW64_VERSION_MINOR),
         "i"(__MINGW64_VERSION_BUGFIX));

    STRUCT(SecPkgInfoW) SECPKGINFO_FIELDS(FIELD, SecPkgInfoW)
    STRUCT(SecPkgInfoA) SECPKGINFO_FIELDS(FIELD, SecPkgInfoA)
    STRUCT(SecurityFunctionTableW)
    SECURITY_FUNCTION_TABLE_FIELDS(FIELD, SecurityFunctionTableW, W)
    STRUCT(SecurityFunctionTableA)
    SECURITY_FUNCTION_TABLE_FIELDS(FIELD, SecurityFunctionTableA, A)
    STRUCT(SecHandle) SECHANDLE_FIELDS(FIELD, SecHandle)
    STRUCT(SecBuffer) SECBUFFER_FIELDS(FIELD, SecBuffer)
    STRUCT(SecBufferDesc) SECBUFFERDESC_FIELDS(FIELD, SecBufferDesc)
    STRUCT(SEC_WINNT_AUTH_IDENTITY_W) SEC_WINNT_AUTH_IDENTITY_FIELDS(FIELD, SEC_WINNT_AUTH_IDENTITY_W)
    STRUCT(SecPkgContext_Sizes) SECPKGCONTEXT_SIZES_FIELDS(FIELD, SecPkgContext_Sizes)
    STRUCT(SecPkgContext_PackageInfoW) SECPKGCONTEXT_PACKAGEINFO_FIELDS(FIELD, SecPkgContext_PackageInfoW)
    STRUCT(SecPkgContext_NegotiationInfoW)
    SECPKGCONTEXT_NEGOTIATIONINFO_FIELDS(FIELD, SecPkgContext_NegotiationInfoW)
}
