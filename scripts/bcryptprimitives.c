/*
 * Stand-in bcryptprimitives.dll for running Rust test binaries under Wine 8.0.
 *
 * Rust's std (>= 1.78) on *-pc-windows-* imports ProcessPrng from
 * bcryptprimitives.dll for HashMap seeds and other randomness. Windows 10+
 * ships that DLL; Wine 8.0 (Debian 12) does not, so every Rust exe fails to
 * load there with STATUS_DLL_NOT_FOUND (0xc0000135 -> wine exit code 53).
 *
 * This DLL exports ProcessPrng with the documented signature
 *     BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData);  -- always TRUE
 * and implements it over RtlGenRandom (advapi32!SystemFunction036), which Wine
 * backs with the host's /dev/urandom. scripts/windows-env compiles it with
 * x86_64-w64-mingw32-gcc and copies it into the Wine prefix's system32.
 *
 * It is test infrastructure only: never ship it.
 */
#include <windows.h>

/* advapi32!SystemFunction036 == RtlGenRandom; declared here to avoid
 * depending on ntsecapi.h's macro spelling. */
__declspec(dllimport) BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000u ? 0x10000000u : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            /* Real ProcessPrng never fails (it would terminate the process
             * rather than return FALSE); do the same so callers are never
             * handed unrandom bytes. */
            RaiseFailFastException(NULL, NULL, 0);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
