/* Evidence for which SSPI provider runs Kerberos against scripts/kdc's realm (ARCHITECTURE.md,
 * "Kerberos against a real KDC"): AcquireCredentialsHandleW(PACKAGE, OUTBOUND), then
 * InitializeSecurityContextW to TARGET, printing each status and the token's size; with a 4th
 * argument, the whole exchange with an INBOUND credential (the keytab) as acceptor. Exit 0 when
 * the exchange completes, 3 when a token exceeded the package's cbMaxToken, 1 on a failure.
 *
 *   usage: probe TARGET LIBRARY PACKAGE [full]
 *   Windows (Wine's secur32; LIBRARY is ignored):
 *     x86_64-w64-mingw32-gcc -O -o probe.exe scripts/sspi-kerberos-probe.c -lsecur32
 *     scripts/with-kdc scripts/windows-run probe.exe host/localhost - Kerberos full
 *   Linux (WinPR, loaded by name):
 *     gcc -O -o probe scripts/sspi-kerberos-probe.c -ldl
 *     scripts/with-kdc ./probe host/localhost libwinpr2.so.2 Kerberos
 * A raw probe, not part of the library or its tests: it trusts the provider's outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#ifdef _WIN32
#define SECURITY_WIN32
#include <windows.h>
#include <sspi.h>
#else
#include <dlfcn.h>
#include <stdint.h>
typedef int32_t SECURITY_STATUS; typedef uint32_t ULONG; typedef uint16_t WCHAR;
typedef struct { uintptr_t dwLower, dwUpper; } SecHandle, CredHandle, CtxtHandle;
typedef struct { uint32_t LowPart; int32_t HighPart; } TimeStamp;
typedef struct { ULONG cbBuffer; ULONG BufferType; void* pvBuffer; } SecBuffer;
typedef struct { ULONG ulVersion; ULONG cBuffers; SecBuffer* pBuffers; } SecBufferDesc;
typedef struct { uint32_t fCapabilities; uint16_t wVersion, wRPCID; uint32_t cbMaxToken; WCHAR* Name; WCHAR* Comment; } SecPkgInfoW;
typedef SECURITY_STATUS (*ACQ)(WCHAR*, WCHAR*, ULONG, void*, void*, void*, void*, CredHandle*, TimeStamp*);
typedef SECURITY_STATUS (*INIT)(CredHandle*, CtxtHandle*, WCHAR*, ULONG, ULONG, ULONG, SecBufferDesc*, ULONG, CtxtHandle*, SecBufferDesc*, ULONG*, TimeStamp*);
typedef SECURITY_STATUS (*QUERY)(WCHAR*, SecPkgInfoW**);
typedef SECURITY_STATUS (*ACCEPT)(CredHandle*, CtxtHandle*, SecBufferDesc*, ULONG, ULONG, CtxtHandle*, SecBufferDesc*, ULONG*, TimeStamp*);
typedef struct { ULONG dwVersion; void* Enum; void* QCA; ACQ AcquireCredentialsHandleW; void* FreeCred; void* R2; INIT InitializeSecurityContextW; ACCEPT AcceptSecurityContext;
  void* Complete; void* Delete; void* Apply; void* QCtx; void* Imp; void* Rev; void* MakeSig; void* Verify; void* FreeContextBuffer; QUERY QuerySecurityPackageInfoW; } Table;
#define SECPKG_CRED_OUTBOUND 2
#define SECPKG_CRED_INBOUND 1
#define SECBUFFER_TOKEN 2
#define SECBUFFER_VERSION 0
#define ISC_REQ_MUTUAL_AUTH 2
#endif
static WCHAR* wide(const char* s) { size_t n = strlen(s); WCHAR* w = calloc(n + 1, sizeof(WCHAR)); for (size_t i = 0; i < n; i++) w[i] = (unsigned char)s[i]; return w; }
int main(int argc, char** argv) {
  const char* target = argc > 1 ? argv[1] : "host/localhost";
  const char* package = argc > 3 ? argv[3] : "Kerberos";
#ifdef _WIN32
  PSecurityFunctionTableW t = InitSecurityInterfaceW();
#else
  void* lib = dlopen(argc > 2 ? argv[2] : "libwinpr2.so.2", RTLD_NOW);
  if (!lib) { printf("dlopen: %s\n", dlerror()); return 2; }
  Table* (*init_iface)(void) = (Table* (*)(void))dlsym(lib, "InitSecurityInterfaceW");
  Table* t = init_iface();
#endif
  SecPkgInfoW* info = NULL;
  SECURITY_STATUS s = t->QuerySecurityPackageInfoW(wide(package), &info);
  printf("QuerySecurityPackageInfoW(%s): 0x%08x cbMaxToken %lu\n", package, (unsigned)s, s == 0 ? (unsigned long)info->cbMaxToken : 0ul);
  unsigned long max_token = s == 0 ? (unsigned long)info->cbMaxToken : 0ul, largest = 0;
  CredHandle cred; memset(&cred, 0, sizeof cred); TimeStamp expiry;
  s = t->AcquireCredentialsHandleW(NULL, wide(package), SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &cred, &expiry);
  printf("AcquireCredentialsHandleW(%s, OUTBOUND): 0x%08x\n", package, (unsigned)s);
  if (s != 0) return 1;
  static unsigned char out[65536];
  SecBuffer ob = { sizeof out, SECBUFFER_TOKEN, out };
  SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
  CtxtHandle ctx; ULONG attrs = 0;
  s = t->InitializeSecurityContextW(&cred, NULL, wide(target), ISC_REQ_MUTUAL_AUTH, 0, 0, NULL, 0, &ctx, &od, &attrs, &expiry);
  printf("InitializeSecurityContextW(%s): 0x%08x token %lu bytes", target, (unsigned)s, (unsigned long)ob.cbBuffer);
  if (ob.cbBuffer >= 2 && (s == 0 || s == 0x00090312)) { printf(", bytes 0-14:"); for (int i = 0; i < 15 && i < (int)ob.cbBuffer; i++) printf(" %02x", out[i]); }
  printf("\n");
  if (s == 0 || s == 0x00090312) largest = ob.cbBuffer;
  if (s != 0x00090312 || argc < 5) return (s == 0 || s == 0x00090312) ? 0 : 1;
  /* The whole exchange: an acceptor with the service's credentials (the keytab). */
  CredHandle scred; memset(&scred, 0, sizeof scred);
  s = t->AcquireCredentialsHandleW(NULL, wide(package), SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &scred, &expiry);
  printf("AcquireCredentialsHandleW(%s, INBOUND): 0x%08x\n", package, (unsigned)s);
  if (s != 0) return 1;
  static unsigned char back[65536];
  CtxtHandle sctx; int have_sctx = 0;
  for (int leg = 0; leg < 8; leg++) {
    SecBuffer ib = { ob.cbBuffer, SECBUFFER_TOKEN, out };
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBuffer bb = { sizeof back, SECBUFFER_TOKEN, back };
    SecBufferDesc bd = { SECBUFFER_VERSION, 1, &bb };
    s = t->AcceptSecurityContext(&scred, have_sctx ? &sctx : NULL, &id, 0, 0, &sctx, &bd, &attrs, &expiry);
    have_sctx = 1;
    printf("AcceptSecurityContext: 0x%08x token %lu bytes\n", (unsigned)s, (unsigned long)bb.cbBuffer);
    if (s != 0 && s != 0x00090312) return 1;
    if (bb.cbBuffer > largest) largest = bb.cbBuffer;
    if (bb.cbBuffer == 0) break;
    SecBuffer rb = { bb.cbBuffer, SECBUFFER_TOKEN, back };
    SecBufferDesc rd = { SECBUFFER_VERSION, 1, &rb };
    ob.cbBuffer = sizeof out;
    s = t->InitializeSecurityContextW(&cred, &ctx, wide(target), ISC_REQ_MUTUAL_AUTH, 0, 0, &rd, 0, &ctx, &od, &attrs, &expiry);
    printf("InitializeSecurityContextW: 0x%08x token %lu bytes\n", (unsigned)s, (unsigned long)ob.cbBuffer);
    if (s != 0 && s != 0x00090312) return 1;
    if (ob.cbBuffer > largest) largest = ob.cbBuffer;
    if (s == 0 && ob.cbBuffer == 0) break;
  }
  printf("exchange complete; largest token %lu bytes, cbMaxToken %lu\n", largest, max_token);
  return largest <= max_token ? 0 : 3;
}
